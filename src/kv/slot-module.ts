import type { StateMachineModule } from '../replica/module';
import { type SlotRange, slotForKey } from '../sharding/slots';
import type { ClientSession } from './session-table';
import { inRange, SlotFence } from './slot-fence';

/**
 * The slot-move module of a shard's replicated state machine (src/replica/host.ts): the
 * fence of slots this replica serves (src/kv/slot-fence.ts) and the keys copied in for
 * slots not yet acquired, applied from `{ slots }` entries.
 *
 * The steps of a slot move as this group's log records them (src/rebalance/executor.ts
 * drives them): the target `ingest`s a copy, the source `release`s the range (from then
 * on it refuses it), the target `acquire`s it with the writes made during the copy, the
 * source `drop`s the moved keys. `abandon` and `reclaim` roll a move back.
 *
 * What a move needs of the rest of the machine (the served keys, the sessions, the
 * transactions' locks and records) it asks through `SlotMoveStore`, given by the
 * composition.
 */
export type SlotCommand =
  | { readonly kind: 'ingest'; readonly range: SlotRange; readonly entries: readonly (readonly [string, string])[] }
  | {
      readonly kind: 'acquire';
      readonly range: SlotRange;
      /** Keys written or deleted since the copy (catch-up), applied over the copied keys. */
      readonly upserts: readonly (readonly [string, string])[];
      readonly deletes: readonly string[];
      /** The source's client sessions: a retry of a write the source applied is answered, not applied again. */
      readonly sessions: readonly ClientSession[];
      /** The source's transaction records (opaque here): recovery of a transaction anchored on a moved key finds its outcome. */
      readonly records: readonly CarriedRecord[];
      /** The source's horizons, [client, number]: which of those records it had already forgotten (absent in older entries). */
      readonly horizons?: readonly CarriedHorizon[];
    }
  /**
   * The source lets go of the range, or answers busy while a lock is held there. `drain`:
   * after a busy answer, take no new lock in the range until it is released or reclaimed
   * (SlotFence.drain), so that overlapping queries cannot hold the release off for ever.
   */
  | { readonly kind: 'release'; readonly range: SlotRange; readonly drain?: boolean }
  | { readonly kind: 'drop'; readonly range: SlotRange }
  | { readonly kind: 'abandon'; readonly range: SlotRange }
  | { readonly kind: 'reclaim'; readonly range: SlotRange };

/** A record of the module that keeps transaction outcomes, carried through a move unread. */
export type CarriedRecord = readonly [string, object];
/** A client's horizon at the source: its transactions up to this number were forgotten there. */
export type CarriedHorizon = readonly [string, number];

export interface SlotLogEntry {
  readonly slots: SlotCommand;
}

export type SlotApplyResult = { readonly status: 'ok' } | { readonly status: 'busy'; readonly reason: string };

/** What a source replica holds of a slot range, for a move's copy and catch-up. */
export interface SlotExport {
  readonly entries: readonly (readonly [string, string])[];
  readonly sessions: readonly ClientSession[];
  readonly records: readonly CarriedRecord[];
  readonly horizons: readonly CarriedHorizon[];
}

/** The rest of the state machine as a move sees it. */
export interface SlotMoveStore {
  /** A lock held in the range (a key lock, or a query's scan lock over some of its slots), in words: a range with one cannot be released. */
  lockIn(range: SlotRange): string | undefined;
  /** The served keys (a copy). */
  keys(): readonly string[];
  write(key: string, value: string | null): void;
  adoptSession(session: ClientSession, logIndex: number): void;
  adoptRecords(records: readonly CarriedRecord[], horizons: readonly CarriedHorizon[]): void;
}

export interface SlotSnapshotPart {
  /** Present once a slot move touched the shard: the fence and the keys being copied in. */
  readonly slots?: { readonly released: readonly number[]; readonly incoming: readonly number[]; readonly draining?: readonly number[]; readonly incomingEntries: readonly (readonly [string, string])[] };
}

const slotKinds: readonly string[] = ['ingest', 'acquire', 'release', 'drop', 'abandon', 'reclaim'] satisfies readonly SlotCommand['kind'][];

export class SlotModule implements StateMachineModule<SlotLogEntry, SlotSnapshotPart> {
  readonly name = 'slots';
  readonly kind = 'slots';
  /** Slots this replica may serve. */
  readonly fence = new SlotFence();
  /** Keys copied in for slots not yet acquired; not served. */
  private readonly incomingData = new Map<string, string>();

  constructor(private readonly store: SlotMoveStore) {}

  validate(entry: SlotLogEntry): void {
    if (!slotKinds.includes(entry.slots?.kind)) throw new TypeError(`not a slot command: ${JSON.stringify(entry.slots)}`);
    const range = entry.slots.range;
    if (range === undefined || !Number.isInteger(range.start) || !Number.isInteger(range.endExclusive)) {
      throw new TypeError(`a slot command needs a range of slots, got ${JSON.stringify(entry.slots)}`);
    }
  }

  apply(entry: SlotLogEntry, logIndex: number): SlotApplyResult {
    const command = entry.slots;
    switch (command.kind) {
      case 'ingest':
        this.fence.expect(command.range);
        for (const [key, value] of command.entries) if (inRange(key, command.range)) this.incomingData.set(key, value);
        return { status: 'ok' };
      case 'acquire':
        return this.acquire(command, logIndex);
      case 'release': {
        const locked = this.store.lockIn(command.range);
        if (locked !== undefined) {
          if (command.drain === true) this.fence.drain(command.range);
          return { status: 'busy', reason: `a transaction holds ${locked}` };
        }
        this.fence.release(command.range);
        return { status: 'ok' };
      }
      case 'drop':
        for (const key of this.store.keys()) if (inRange(key, command.range) && this.fence.isReleased(slotForKey(key))) this.store.write(key, null);
        return { status: 'ok' };
      case 'abandon':
        this.fence.abandon(command.range);
        for (const key of [...this.incomingData.keys()]) if (inRange(key, command.range)) this.incomingData.delete(key);
        return { status: 'ok' };
      case 'reclaim':
        this.fence.reclaim(command.range);
        return { status: 'ok' };
    }
  }

  private acquire(command: Extract<SlotCommand, { kind: 'acquire' }>, logIndex: number): SlotApplyResult {
    for (const [key, value] of [...this.incomingData]) {
      if (!inRange(key, command.range)) continue;
      this.store.write(key, value);
      this.incomingData.delete(key);
    }
    for (const [key, value] of command.upserts) if (inRange(key, command.range)) this.store.write(key, value);
    for (const key of command.deletes) if (inRange(key, command.range)) this.store.write(key, null);
    for (const session of command.sessions) this.store.adoptSession(session, logIndex);
    this.store.adoptRecords(command.records, command.horizons ?? []);
    this.fence.acquire(command.range);
    return { status: 'ok' };
  }

  snapshotPart(): SlotSnapshotPart {
    if (this.fence.isEmpty && this.incomingData.size === 0) return {};
    const incomingEntries = [...this.incomingData.entries()].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return { slots: { ...this.fence.snapshot(), incomingEntries } };
  }

  parsePart(snapshot: Readonly<Record<string, unknown>>): SlotSnapshotPart {
    if (snapshot.slots === undefined) return {};
    const { released, incoming, draining, incomingEntries } = (snapshot.slots ?? {}) as Record<string, unknown>;
    const slotList = (value: unknown): value is number[] => Array.isArray(value) && value.every((slot) => Number.isInteger(slot));
    if (!slotList(released) || !slotList(incoming) || (draining !== undefined && !slotList(draining)) || !Array.isArray(incomingEntries)) {
      throw new TypeError(`bad slots in snapshot: ${JSON.stringify(snapshot.slots)}`);
    }
    for (const entry of incomingEntries) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'string') throw new TypeError(`bad incoming entry in snapshot: ${JSON.stringify(entry)}`);
    }
    return { slots: { released, incoming, ...(draining === undefined ? {} : { draining }), incomingEntries: incomingEntries as [string, string][] } };
  }

  loadPart(part: SlotSnapshotPart): void {
    this.fence.restore(part.slots);
    this.incomingData.clear();
    for (const [key, value] of part.slots?.incomingEntries ?? []) this.incomingData.set(key, value);
  }
}
