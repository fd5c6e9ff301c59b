/**
 * One node's table of members: the current update per member (shared immutable object,
 * so a full-table snapshot is an array of references) plus local bookkeeping, with the
 * live and dead members indexed for O(1) random choice.
 */
import type { NodeId, RandomSource } from '../runtime/ports';
import { agreementSignature } from './agreement';
import { IndexedSet } from './indexed-set';
import { invariant } from './invariant';
import { isLive } from './precedence';
import type { MemberState, MemberUpdate, MemberView } from './types';

export interface MemberRecord {
  /** The latest accepted news; replaced (never mutated) on every change. */
  update: MemberUpdate;
  /** Local clock time of the last direct sign of life or fresh news. */
  lastHeardMs: number;
}

export class MemberTable {
  private readonly records = new Map<NodeId, MemberRecord>();
  /** Live members other than ourselves: probe, gossip and ping-req candidates. */
  readonly liveOthers = new IndexedSet<NodeId>();
  /** Dead (not left) members other than ourselves: reconnect candidates after a partition heals. */
  readonly deadOthers = new IndexedSet<NodeId>();

  /** `agreementSignature` of the table, made again only after a member is added or changes state. */
  private signature: string | undefined;

  constructor(readonly selfId: NodeId) {}

  get(id: NodeId): MemberRecord | undefined {
    return this.records.get(id);
  }

  stateOf(id: NodeId): MemberState | undefined {
    return this.records.get(id)?.update.state;
  }

  /** n for SWIM's log(n) scaling: live members including ourselves. */
  get liveCount(): number {
    return this.liveOthers.size + 1;
  }

  get size(): number {
    return this.records.size;
  }

  /** Stores `update` as the member's record; returns the state it replaced. */
  set(update: MemberUpdate, nowMs: number): MemberState | undefined {
    invariant(update.memberId.length > 0 && Number.isInteger(update.incarnation) && update.incarnation >= 0, `malformed update for "${update.memberId}"`);
    const record = this.records.get(update.memberId);
    const previousState = record?.update.state;
    if (previousState !== update.state) this.signature = undefined;
    if (record) {
      record.update = update;
    } else {
      this.records.set(update.memberId, { update, lastHeardMs: nowMs });
    }
    if (update.memberId !== this.selfId) this.reindex(update.memberId, update.state);
    return previousState;
  }

  heardFrom(id: NodeId, nowMs: number): void {
    const record = this.records.get(id);
    if (record && nowMs > record.lastHeardMs) record.lastHeardMs = nowMs;
  }

  /** Every record's update: what push-pull and join answers carry. O(n), once per exchange. */
  snapshot(): MemberUpdate[] {
    const updates: MemberUpdate[] = [];
    for (const record of this.records.values()) updates.push(record.update);
    return updates;
  }

  randomLiveOthers(count: number, random: RandomSource, excluded: readonly NodeId[] = []): NodeId[] {
    return this.liveOthers.sample(count, random, excluded);
  }

  views(): MemberView[] {
    const views: MemberView[] = [];
    for (const record of this.records.values()) {
      const { memberId, state, incarnation, metadata } = record.update;
      views.push({
        id: memberId,
        state,
        incarnation,
        region: metadata.region,
        zone: metadata.zone,
        capacity: metadata.capacity,
        lastHeardMs: record.lastHeardMs,
      });
    }
    return views.sort(byId);
  }

  /**
   * Every member's id and state, sorted by id (`agreementSignature`): the same text as
   * for `views()`, kept until a member is added or changes state, since agreement is polled.
   */
  agreementSignature(): string {
    if (this.signature === undefined) {
      const members: { id: NodeId; state: MemberState }[] = [];
      for (const record of this.records.values()) members.push({ id: record.update.memberId, state: record.update.state });
      members.sort(byId);
      this.signature = agreementSignature(members);
    }
    return this.signature;
  }

  private reindex(id: NodeId, state: MemberState): void {
    if (isLive(state)) this.liveOthers.add(id);
    else this.liveOthers.delete(id);
    if (state === 'dead') this.deadOthers.add(id);
    else this.deadOthers.delete(id);
  }
}

/** Orders by id, as views list their members (and so as signatures are made). */
function byId(left: { readonly id: NodeId }, right: { readonly id: NodeId }): number {
  return left.id < right.id ? -1 : left.id > right.id ? 1 : 0;
}
