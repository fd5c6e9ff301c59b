/**
 * The client side: a process on a node in a region that sends requests to that region's
 * replica and matches the answers. A request not answered within the time-out fails as
 * "unavailable" (the outcome of an update is then unknown: it may or may not have happened).
 *
 * In a region of many nodes the client is given all of them: a node that does not lead
 * the key's shard answers with a redirect, and an attempt not answered within the attempt
 * time-out is sent to the next node. Every attempt carries the same request id, and the
 * shard's state machine answers a repeated id from its first apply, so a retry never
 * applies an update twice. Ids are unique across restarts of the client's node.
 */
import type { Principal } from '../auth/types';
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
  /** The user the request acts for. */
  readonly principal?: Principal;
}

interface Pending {
  readonly callback: (result: ClientResult) => void;
  readonly timer: TimerId;
  readonly request: ClientRequest;
  target: number;
  attemptTimer?: TimerId;
  /** Every node an attempt went to: only they answer it, as on a connection. */
  readonly asked: NodeId[];
}

/** Pause before trying another node when a node knew no leader (an election is running). */
const RETRY_PAUSE_MS = 10;
/** Ids of one incarnation of the client's node: the next one starts above them. */
const IDS_PER_START = 1_000_000_000;

export class GeoClientProcess implements NodeService {
  private nextId: number;
  private readonly pending = new Map<number, Pending>();
  private readonly nodes: readonly NodeId[];
  private readonly replicaNode: string;

  /**
   * @param replicaNodes the region's replica, or every node of a region of many nodes
   * @param attemptTimeoutMs with many nodes: how long one node gets before the next is tried
   */
  constructor(
    private readonly env: NodeEnv,
    replicaNodes: NodeId | readonly NodeId[],
    private readonly timeoutMs: number,
    private readonly attemptTimeoutMs = timeoutMs,
    /** Which node to ask first about a call (the expected leader of its key's shard). */
    private readonly route?: (call: ClientCall) => NodeId | undefined,
  ) {
    this.nodes = typeof replicaNodes === 'string' ? [replicaNodes] : [...replicaNodes];
    if (this.nodes.length === 0) throw new Error('a client needs at least one node to talk to');
    this.replicaNode = this.nodes.length === 1 ? this.nodes[0] : `the nodes of its region (${this.nodes.join(', ')})`;
    const starts = (env.disk.get<number>('geo.client.starts') ?? 0) + 1;
    env.disk.put('geo.client.starts', starts);
    env.disk.sync();
    this.nextId = (starts - 1) * IDS_PER_START + 1;
  }

  get outstanding(): number {
    return this.pending.size;
  }

  call(call: ClientCall, callback: (result: ClientResult) => void): void {
    const id = this.nextId++;
    const request: ClientRequest = { type: 'geo.request', id, keyspace: call.keyspace, key: call.key, operation: call.operation, session: call.session ?? {}, ...(call.principal ? { principal: call.principal } : {}) };
    const timer = this.env.timers.setTimer(this.timeoutMs, () => {
      const entry = this.pending.get(id);
      if (!entry) return;
      this.pending.delete(id);
      if (entry.attemptTimer !== undefined) this.env.timers.cancelTimer(entry.attemptTimer);
      callback({ ok: false, unavailable: true, error: `no answer from ${this.replicaNode} within ${this.timeoutMs} ms` });
    }, 'geo.client-timeout');
    const routed = this.route?.(call);
    const pending: Pending = { callback, timer, request, target: Math.max(0, routed === undefined ? 0 : this.nodes.indexOf(routed)), asked: [] };
    this.pending.set(id, pending);
    this.attempt(pending);
  }

  /** Sends the request to the current target; with many nodes, moves on if it is not answered in time. */
  private attempt(pending: Pending): void {
    const target = this.nodes[pending.target];
    if (!pending.asked.includes(target)) pending.asked.push(target);
    this.env.network.send(target, pending.request);
    if (this.nodes.length === 1) return;
    pending.attemptTimer = this.env.timers.setTimer(this.attemptTimeoutMs, () => {
      pending.attemptTimer = undefined;
      if (!this.pending.has(pending.request.id)) return;
      pending.target = (pending.target + 1) % this.nodes.length;
      this.attempt(pending);
    }, 'geo.client-attempt');
  }

  /** The node asked does not lead the key's shard: go to the hinted node now, or to the next after a pause. */
  private redirect(pending: Pending, hint: NodeId | null): void {
    if (pending.attemptTimer !== undefined) this.env.timers.cancelTimer(pending.attemptTimer);
    pending.attemptTimer = undefined;
    const hinted = hint === null ? -1 : this.nodes.indexOf(hint);
    if (hinted >= 0 && hinted !== pending.target) {
      pending.target = hinted;
      return this.attempt(pending);
    }
    pending.target = (pending.target + 1) % this.nodes.length;
    pending.attemptTimer = this.env.timers.setTimer(RETRY_PAUSE_MS, () => {
      pending.attemptTimer = undefined;
      if (this.pending.has(pending.request.id)) this.attempt(pending);
    }, 'geo.client-retry');
  }

  /** Messages ignored because they came from outside the region's nodes, or from a node the request did not go to. */
  answersNotAsked = 0;

  onMessage(from: NodeId, message: Message): void {
    // Nothing of a message from outside the region's nodes is read; an answer counts only from a
    // node its request went to, as on a connection (any process could otherwise answer).
    if (!this.nodes.includes(from)) return void this.answersNotAsked++;
    if (message.type !== 'geo.response') return;
    const response = message as ClientResponse;
    const pending = this.pending.get(response.id);
    if (!pending) return; // answered after the time-out
    if (!pending.asked.includes(from)) return void this.answersNotAsked++;
    if (!response.ok && response.redirect !== undefined && this.nodes.length > 1) return this.redirect(pending, response.redirect);
    this.pending.delete(response.id);
    this.env.timers.cancelTimer(pending.timer);
    if (pending.attemptTimer !== undefined) this.env.timers.cancelTimer(pending.attemptTimer);
    pending.callback(
      response.ok
        ? { ok: true, region: response.region, value: response.value, timestamp: response.timestamp, context: response.context }
        : { ok: false, unavailable: false, error: response.error },
    );
  }
}
