/**
 * The client side: a process on a node in a region that sends requests to that region's
 * replica and matches the answers. A request not answered within the time-out fails as
 * "unavailable" (the outcome of an update is then unknown: it may or may not have happened).
 */
import type { NodeService } from '../runtime/node-runtime';
import type { Message, NodeEnv, NodeId, TimerId } from '../runtime/ports';
import type { CausalContext, RegionId } from './causal-context';
import type { HlcTimestamp } from './hlc';
import type { ClientRequest, ClientResponse, ClientSession } from './messages';
import type { GeoOperation, GeoValue } from './strategies';

export type ClientResult =
  | { readonly ok: true; readonly region: RegionId; readonly value: GeoValue; readonly timestamp: HlcTimestamp; readonly context?: CausalContext }
  | { readonly ok: false; readonly error: string; readonly unavailable: boolean };

export interface ClientCall {
  readonly keyspace: string;
  readonly key: string;
  readonly operation?: GeoOperation;
  readonly session?: ClientSession;
}

interface Pending {
  readonly callback: (result: ClientResult) => void;
  readonly timer: TimerId;
}

export class GeoClientProcess implements NodeService {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly env: NodeEnv,
    private readonly replicaNode: NodeId,
    private readonly timeoutMs: number,
  ) {}

  get outstanding(): number {
    return this.pending.size;
  }

  call(call: ClientCall, callback: (result: ClientResult) => void): void {
    const id = this.nextId++;
    const request: ClientRequest = { type: 'geo.request', id, keyspace: call.keyspace, key: call.key, operation: call.operation, session: call.session ?? {} };
    const timer = this.env.timers.setTimer(this.timeoutMs, () => {
      if (!this.pending.delete(id)) return;
      callback({ ok: false, unavailable: true, error: `no answer from ${this.replicaNode} within ${this.timeoutMs} ms` });
    }, 'geo.client-timeout');
    this.pending.set(id, { callback, timer });
    this.env.network.send(this.replicaNode, request);
  }

  onMessage(_from: NodeId, message: Message): void {
    if (message.type !== 'geo.response') return;
    const response = message as ClientResponse;
    const pending = this.pending.get(response.id);
    if (!pending) return; // answered after the time-out
    this.pending.delete(response.id);
    this.env.timers.cancelTimer(pending.timer);
    pending.callback(
      response.ok
        ? { ok: true, region: response.region, value: response.value, timestamp: response.timestamp, context: response.context }
        : { ok: false, unavailable: false, error: response.error },
    );
  }
}
