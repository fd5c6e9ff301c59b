import type { TxnClient } from '../client';
import type { NodeEnv } from '../../runtime/ports';
import type { SagaLogEntry } from './log';
import { parseIndex, parseLease, parseLog, sagaHeartbeatKey, sagaIndexBuckets, sagaIndexKey, sagaLeaseKey, sagaLogKey } from './store-journal';
import { runStoreTransaction, type StoreOutcome } from './store-transaction';

/**
 * Which orchestrator runs the sagas: one at a time, by a lease in the store, with the
 * others on standby (a lease, not a recovery scan by everyone, because then two
 * orchestrators would drive the same saga at once and race each other's decisions).
 *
 * - The holder writes `saga/heartbeat` every `heartbeatMs`.
 * - A standby reads the lease and the heartbeat every `watchMs`. When neither has changed
 *   for `takeoverAfterMs` of its own clock (no clocks are compared across nodes), or
 *   there is no lease yet, or the lease names this very node (its previous incarnation
 *   crashed), it takes over: one transaction that checks the lease and the heartbeat
 *   are still what it saw and writes the lease with the next epoch.
 * - The new holder scans the saga index, reads every listed log and adopts each saga
 *   that has not finished; a step whose outcome is unknown is retried with its
 *   idempotency key, so its service applies it at most once.
 *
 * Timing decides only how soon a takeover happens. Safety comes from the epoch: every
 * log write checks it in its own transaction (store-journal.ts), so an old holder that
 * was only slow finds out at its next write and stops (`onStepDown`).
 */

export interface LeaseOptions {
  readonly heartbeatMs: number;
  readonly watchMs: number;
  readonly takeoverAfterMs: number;
  /** Logs read per transaction during a scan. */
  readonly scanBatch: number;
}

export const leaseDefaults: LeaseOptions = { heartbeatMs: 200, watchMs: 250, takeoverAfterMs: 1_500, scanBatch: 8 };

export type LeaseRole = 'standby' | 'taking-over' | 'scanning' | 'active';

export interface LeaseHooks {
  /** A saga the scan found unfinished: resume it. */
  adopt(sagaId: string, entries: readonly SagaLogEntry[]): void;
  /** The lease is gone (another orchestrator took over): stop every saga. */
  stepDown(reason: string): void;
  /** Scanning finished: this orchestrator may start sagas. */
  active?(epoch: number): void;
}

export class OrchestratorLease {
  role: LeaseRole = 'standby';
  /** The epoch this node holds (while scanning or active). */
  epoch: number | undefined;
  /** What the last watch read (lease and heartbeat), and since when (local clock). */
  private seen: { value: string; sinceMs: number } | undefined;
  private heartbeatCounter = 0;
  /** Epochs this node took, with the local time the takeover committed and the sagas it adopted. */
  readonly takeovers: { epoch: number; atMs: number; adopted: number }[] = [];

  constructor(
    private readonly env: Pick<NodeEnv, 'id' | 'clock' | 'timers' | 'trace'>,
    private readonly client: TxnClient,
    private readonly hooks: LeaseHooks,
    private readonly options: LeaseOptions = leaseDefaults,
  ) {}

  start(): void {
    this.env.timers.setTimer(0, () => this.watch());
  }

  // ---- standby -------------------------------------------------------------------------------

  private watch(): void {
    if (this.role !== 'standby') return;
    const reads = [{ key: sagaLeaseKey }, { key: sagaHeartbeatKey }];
    runStoreTransaction(this.client, reads, (values) => ({ writes: new Map(), result: values }), (outcome) => {
      if (this.role !== 'standby') return;
      if (outcome.kind === 'committed') this.judge(outcome.result.get(sagaLeaseKey) ?? null, outcome.result.get(sagaHeartbeatKey) ?? null);
      if (this.role === 'standby') this.env.timers.setTimer(this.options.watchMs, () => this.watch());
    });
  }

  /** Takes over when the lease is free, ours from an earlier life, or its heartbeat stood still too long. */
  private judge(lease: string | null, heartbeat: string | null): void {
    const value = `${lease}|${heartbeat}`;
    const nowMs = this.env.clock.nowMs();
    if (this.seen?.value !== value) this.seen = { value, sinceMs: nowMs };
    const holder = parseLease(lease)?.holder;
    const stale = nowMs - this.seen.sinceMs >= this.options.takeoverAfterMs;
    if (lease === null || holder === this.env.id || stale) this.takeOver(lease, heartbeat);
  }

  private takeOver(lease: string | null, heartbeat: string | null): void {
    this.role = 'taking-over';
    const epoch = (parseLease(lease)?.epoch ?? 0) + 1;
    const reads = [{ key: sagaLeaseKey, forUpdate: true }, { key: sagaHeartbeatKey, forUpdate: true }];
    runStoreTransaction(this.client, reads, (values) => {
      if ((values.get(sagaLeaseKey) ?? null) !== lease || (values.get(sagaHeartbeatKey) ?? null) !== heartbeat) return { refuse: 'the lease or its heartbeat moved' };
      const writes = new Map<string, string | null>([[sagaLeaseKey, JSON.stringify({ holder: this.env.id, epoch })], [sagaHeartbeatKey, `${epoch}:0`]]);
      return { writes, result: epoch };
    }, (outcome: StoreOutcome<number>) => {
      if (outcome.kind !== 'committed') {
        this.role = 'standby';
        this.seen = undefined;
        this.env.trace('saga.lease.takeover-failed', { epoch, reason: outcome.reason });
        this.env.timers.setTimer(this.options.watchMs, () => this.watch());
        return;
      }
      this.epoch = epoch;
      this.role = 'scanning';
      this.heartbeatCounter = 0;
      this.env.trace('saga.lease.taken', { epoch, from: parseLease(lease)?.holder ?? 'none' });
      this.takeovers.push({ epoch, atMs: this.env.clock.nowMs(), adopted: 0 });
      this.heartbeat(epoch);
      this.scanIndex(epoch);
    });
  }

  // ---- taking over: the scan -------------------------------------------------------------

  private scanIndex(epoch: number): void {
    if (this.epoch !== epoch) return;
    const reads = Array.from({ length: sagaIndexBuckets }, (_, bucket) => ({ key: sagaIndexKey(bucket) }));
    runStoreTransaction(this.client, reads, (values) => ({ writes: new Map(), result: values }), (outcome) => {
      if (this.epoch !== epoch) return;
      if (outcome.kind !== 'committed') return void this.env.timers.setTimer(this.options.watchMs, () => this.scanIndex(epoch));
      const ids: string[] = [];
      for (const read of reads) ids.push(...parseIndex(outcome.result.get(read.key) ?? null));
      this.scanLogs(epoch, ids, 0);
    });
  }

  private scanLogs(epoch: number, ids: readonly string[], from: number): void {
    if (this.epoch !== epoch) return;
    if (from >= ids.length) return this.becomeActive(epoch);
    const batch = ids.slice(from, from + this.options.scanBatch);
    runStoreTransaction(this.client, batch.map((id) => ({ key: sagaLogKey(id) })), (values) => ({ writes: new Map(), result: values }), (outcome) => {
      if (this.epoch !== epoch) return;
      if (outcome.kind !== 'committed') return void this.env.timers.setTimer(this.options.watchMs, () => this.scanLogs(epoch, ids, from));
      for (const id of batch) {
        const entries = parseLog(outcome.result.get(sagaLogKey(id)) ?? null);
        if (entries.length === 0 || entries.some((entry) => entry.t === 'finished')) continue;
        this.takeovers[this.takeovers.length - 1].adopted++;
        this.hooks.adopt(id, entries);
      }
      this.scanLogs(epoch, ids, from + batch.length);
    });
  }

  private becomeActive(epoch: number): void {
    this.role = 'active';
    this.env.trace('saga.lease.active', { epoch });
    this.hooks.active?.(epoch);
  }

  // ---- holding the lease --------------------------------------------------------------------

  private heartbeat(epoch: number): void {
    if (this.epoch !== epoch) return;
    const beat = `${epoch}:${++this.heartbeatCounter}`;
    runStoreTransaction(this.client, [{ key: sagaLeaseKey }, { key: sagaHeartbeatKey, forUpdate: true }], (values) => {
      if (parseLease(values.get(sagaLeaseKey) ?? null)?.epoch !== epoch) return { refuse: `the lease moved on from epoch ${epoch}` };
      return { writes: new Map([[sagaHeartbeatKey, beat]]), result: beat };
    }, (outcome) => {
      if (this.epoch !== epoch) return;
      if (outcome.kind === 'refused') return this.stepDown(outcome.reason);
      this.env.timers.setTimer(this.options.heartbeatMs, () => this.heartbeat(epoch));
    });
  }

  /** Gives up the sagas (the journal found the lease gone, or a heartbeat did). */
  stepDown(reason: string): void {
    if (this.epoch === undefined) return;
    this.env.trace('saga.lease.lost', { epoch: this.epoch, reason });
    this.epoch = undefined;
    this.role = 'standby';
    this.seen = undefined;
    this.hooks.stepDown(reason);
    this.env.timers.setTimer(this.options.watchMs, () => this.watch());
  }
}
