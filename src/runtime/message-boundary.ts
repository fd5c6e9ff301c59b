import type { NodeId } from './ports';
import { type Check, isPlainRecord, problemOf } from './wire-check';

/**
 * The gate every incoming message passes before any protocol on the node sees it
 * (FoundationDB and TigerBeetle: never trust a message; assert, drop and count).
 *
 * Two questions, in this order:
 * 1. May the sender speak this message type to us? Membership and client-facing types are
 *    open to any process (membership runs its own join handshake; clients are checked by
 *    authentication). Every other type is for admitted peers only: a process that was not
 *    admitted through the join handshake, or that left the cluster, is dropped here, so a
 *    rogue Raft vote with a huge term never reaches Raft (etcd drops messages from removed
 *    members in its transport the same way).
 * 2. Is the message well formed? Each type has a check; a type without one is unknown here.
 *
 * A dropped message is counted (by node, reason, type and sender) and traced. The sender
 * gets no answer: a reply would only help an attacker probe.
 */

export type BoundaryDropReason = 'not-admitted' | 'malformed' | 'unknown-type' | 'impersonation';

export interface BoundaryDrop {
  readonly node: NodeId;
  readonly from: NodeId;
  readonly type: string;
  readonly reason: BoundaryDropReason;
  readonly detail: string;
}

/** Where drops are counted; shared by every incarnation of a node so counts survive restarts. */
export class BoundaryCounters {
  private readonly counts = new Map<string, number>();
  /** The first drops of each (node, reason), kept for reports (bounded). */
  readonly samples: BoundaryDrop[] = [];
  private static readonly samplesMax = 200;
  total = 0;

  record(drop: BoundaryDrop): void {
    this.total++;
    for (const key of [`node:${drop.node}`, `reason:${drop.reason}`, `type:${drop.type}`, `from:${drop.from}`, `pair:${drop.node}|${drop.from}`]) {
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
    if (this.samples.length < BoundaryCounters.samplesMax) this.samples.push(drop);
  }

  byNode(node: NodeId): number {
    return this.counts.get(`node:${node}`) ?? 0;
  }

  byReason(reason: BoundaryDropReason): number {
    return this.counts.get(`reason:${reason}`) ?? 0;
  }

  byType(type: string): number {
    return this.counts.get(`type:${type}`) ?? 0;
  }

  fromSender(from: NodeId): number {
    return this.counts.get(`from:${from}`) ?? 0;
  }

  /** Messages from `from` dropped at `node`. */
  between(node: NodeId, from: NodeId): number {
    return this.counts.get(`pair:${node}|${from}`) ?? 0;
  }

  /** Every non-zero count, sorted, one per line (for reports). */
  summary(): string {
    const lines = [...this.counts].filter(([key]) => !key.startsWith('pair:')).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return [`total: ${this.total}`, ...lines.map(([key, count]) => `${key}: ${count}`)].join('\n');
  }
}

/** A message check that may also compare fields with the network's sender and the receiver. */
export type WireCheck = (message: Record<string, unknown>, from: NodeId, self: NodeId) => string | undefined;

export interface WireRule {
  /** Shape of the message; problems name the field path from the message type. */
  readonly check: Check;
  /** True when any process may send it (client-facing or membership); false: admitted peers only. */
  readonly open: boolean;
  /**
   * For a type that is not open: the messages of it that any process may still send (a query's
   * scan locks). Asked only of a message that passed `check`, so the fields it reads (as long as
   * `check` covers them) are plain data, not getters.
   */
  readonly openWhen?: (message: Record<string, unknown>, from: NodeId) => boolean;
  /** Optional cross-check of claimed identities (a Raft message's `from` must be its sender). */
  readonly identity?: WireCheck;
}

export interface BoundaryOptions {
  /** Rules per message type; a type without a rule is dropped as unknown. */
  readonly rules: ReadonlyMap<string, WireRule>;
  /** True when `from` was admitted through the join handshake and has not left. */
  readonly admitted: (from: NodeId) => boolean;
  readonly counters: BoundaryCounters;
  /** Records a structured trace event (the node's trace). */
  readonly trace?: (kind: string, detail: Record<string, unknown>) => void;
}

export class MessageBoundary {
  constructor(
    private readonly self: NodeId,
    private readonly options: BoundaryOptions,
  ) {}

  /** True when the message may go on to its service; otherwise it was dropped and counted. */
  accept(from: NodeId, message: unknown): boolean {
    // The message crossed the wire as plain data (src/runtime/wire-check.ts): read directly.
    const claimed = isPlainRecord(message) && Object.prototype.hasOwnProperty.call(message, 'type') ? message.type : undefined;
    const type = typeof claimed === 'string' ? claimed : '(no type)';
    const rule = this.options.rules.get(type);
    if (rule === undefined) return this.drop(from, type, 'unknown-type', `no service here takes ${JSON.stringify(type.slice(0, 64))}`);
    const fields = message as Record<string, unknown>;
    let problem: string | undefined;
    if (!rule.open && from !== this.self && !this.options.admitted(from)) {
      // A stranger's message of a closed type is dropped before its check runs, unless the type
      // has messages any process may send; such a message passes only when it is plainly one,
      // so a malformed one cannot (and `openWhen` reads its fields only once they are plain data).
      const notAdmitted = () => this.drop(from, type, 'not-admitted', `${from} was not admitted to the cluster`);
      if (rule.openWhen === undefined) return notAdmitted();
      problem = problemOf(rule.check, fields, type);
      if (problem !== undefined || !rule.openWhen(fields, from)) return notAdmitted();
    } else {
      problem = problemOf(rule.check, fields, type);
    }
    if (problem !== undefined) return this.drop(from, type, 'malformed', problem);
    const forged = rule.identity?.(fields, from, this.self);
    if (forged !== undefined) return this.drop(from, type, 'impersonation', forged);
    return true;
  }

  private drop(from: NodeId, type: string, reason: BoundaryDropReason, detail: string): false {
    this.options.counters.record({ node: this.self, from, type, reason, detail });
    this.options.trace?.('boundary.drop', { from, type, reason, detail });
    return false;
  }
}
