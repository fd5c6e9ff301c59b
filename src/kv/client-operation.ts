import type { CompletionOutcome } from './history';
import type { KvOperation, KvResult } from './operation';

/**
 * The handle a client call returns. Deliberately not a Promise: promise callbacks run as
 * microtasks, outside the simulator's virtual time and event order. Callers poll `done`
 * (for example `sim.runUntil(() => op.done, ...)`) or register `onComplete`, which runs
 * synchronously inside the simulation event that completed the operation.
 */
export interface Operation {
  readonly operation: KvOperation;
  readonly done: boolean;
  /** `pending` until done. `fail` only when the operation certainly had no effect (a cas
   *  whose compare failed, or a request that was never sent); `unknown` when it may have. */
  readonly outcome: 'pending' | CompletionOutcome;
  /** Set on `ok`, and on `fail` when a cas compare failed (then `result.actual` is the value seen). */
  readonly result: KvResult | undefined;
  /** Why the operation failed or is unknown, for humans. */
  readonly reason: string | undefined;
  /** Requests sent for it, retries included. */
  readonly attempts: number;
  /** "Not leader" answers whose hint the client followed straight away. */
  readonly redirects: number;
  /** Session and sequence the requests carried; undefined until the operation starts. */
  readonly clientId: string | undefined;
  readonly sequence: number | undefined;
  readonly invokedAtMs: number | undefined;
  readonly completedAtMs: number | undefined;
  /** Runs `callback` on completion, or at once when already done. */
  onComplete(callback: (operation: Operation) => void): void;
}

/** The client's mutable side of an Operation. */
export class ClientOperation implements Operation {
  outcome: 'pending' | CompletionOutcome = 'pending';
  result: KvResult | undefined;
  reason: string | undefined;
  attempts = 0;
  redirects = 0;
  clientId: string | undefined;
  sequence: number | undefined;
  invokedAtMs: number | undefined;
  completedAtMs: number | undefined;
  private callbacks: ((operation: Operation) => void)[] = [];

  constructor(readonly operation: KvOperation) {}

  get done(): boolean {
    return this.outcome !== 'pending';
  }

  onComplete(callback: (operation: Operation) => void): void {
    if (this.done) callback(this);
    else this.callbacks.push(callback);
  }

  start(clientId: string, sequence: number, timeMs: number): void {
    if (this.sequence !== undefined) throw new Error('an operation starts once');
    this.clientId = clientId;
    this.sequence = sequence;
    this.invokedAtMs = timeMs;
  }

  finish(outcome: CompletionOutcome, result: KvResult | undefined, reason: string | undefined, timeMs: number): void {
    if (this.done) throw new Error(`operation ${this.clientId}/${this.sequence} completed twice`);
    this.outcome = outcome;
    this.result = result;
    this.reason = reason;
    this.completedAtMs = timeMs;
    const callbacks = this.callbacks;
    this.callbacks = [];
    for (const callback of callbacks) callback(this);
  }
}
