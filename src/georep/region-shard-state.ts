/**
 * The state of the georeplication module (geo-module.ts) of one shard's replicated state
 * machine, in a region whose data lives in a sharded Raft store (DynamoDB global tables:
 * each region is itself replicated; regions replicate to each other, active-active).
 *
 * It applies the `{ geo: GeoCommand }` entries and is the module's part of the snapshot. Everything
 * the cross-region protocol must not lose is here, so it is committed by the region's
 * quorum before anyone relies on it, and survives leader changes and crashes:
 *
 * - the shard's key states (CRDT states; strategies.ts) and their Merkle tree;
 * - the shard's outgoing change log (sequence numbers per shard) and, per destination
 *   region, the cumulative acknowledgement (the replication cursor) and a reset marker
 *   when the backlog was given up (Cassandra's hint window);
 * - per origin region, the highest change of that origin's shard stream applied here
 *   (the receive cursor): a change at or below it is a duplicate and is skipped, a
 *   change beyond the next one is a gap and is refused, so every change takes effect
 *   exactly once, in order, whatever the network and the leaders did;
 * - per client, the answers to its recent updates, so that a retry sent to a new leader
 *   is answered instead of applied twice (Raft thesis §6.3);
 * - the highest HLC timestamp held, so that a new leader stamps after it;
 * - the tombstone horizon: last-writer-wins tombstones stamped at or below it were collected
 *   here (`collect` entries, decided from the stable frontier; tombstone-collector.ts), and
 *   a stale last-writer-wins state at or below it of a key not held is refused, so every
 *   replica of the shard drops the same tombstones at the same log position and nothing
 *   brings a collected key back, whatever leader or snapshot a replica went through.
 *
 * Apply is a pure function of the entries (no clock, no randomness): the proposer's
 * timestamp is raised above the highest one held, so stamps within a shard only grow
 * even across leaders whose clocks disagree.
 */
import type { Principal } from '../auth/types';
import { type CausalContext, contextAdd, type Dot, EMPTY_CONTEXT, type RegionId } from './causal-context';
import { compareHlc, HLC_ZERO, type HlcTimestamp } from './hlc';
import { fullKeyOf, KeyStore } from './key-store';
import { type ChangeEntry, ChangeLog } from './replication-stream';
import { digestHex } from './digest';
import { applyOperation, type GeoOperation, joinStates, type KeyState, KeyspaceError, type StrategyKind } from './strategies';

/** A client's update, as the shard leader proposes it. */
export interface GeoUpdateCommand {
  readonly kind: 'update';
  readonly keyspace: string;
  readonly key: string;
  readonly strategy: StrategyKind;
  readonly operation: GeoOperation;
  /** The leader's HLC when it proposed; raised above the shard's highest timestamp at apply. */
  readonly timestamp: HlcTimestamp;
  /** Multi-value: the versions the client read (what its write replaces). */
  readonly readContext?: CausalContext;
  /** Multi-value delete without a session: replace what the shard holds at apply. */
  readonly replaceLocal?: boolean;
  /** Who asked: a retry of the same request is answered from the first apply. */
  readonly client: { readonly id: string; readonly request: number };
  /** The user the update acts for, judged at this entry's log position (src/georep/geo-authorization.ts). */
  readonly principal?: Principal;
}

/** Changes of another region's shard stream, in sequence order, as the receiving leader proposes them. */
export interface GeoApplyChangesCommand {
  readonly kind: 'apply-changes';
  readonly origin: RegionId;
  readonly entries: readonly ChangeEntry[];
  /** The origin gave up the backlog: skip to here and repair by anti-entropy. */
  readonly resetFrom?: number;
}

export type GeoCommand =
  | GeoUpdateCommand
  | GeoApplyChangesCommand
  /** A destination acknowledged our stream up to `seq` (cumulative). */
  | { readonly kind: 'acked'; readonly destination: RegionId; readonly seq: number }
  /** Key states from an anti-entropy session, joined into ours. */
  | { readonly kind: 'merge'; readonly states: readonly (readonly [fullKey: string, state: KeyState])[] }
  /** A repair from `origin` completed; it counts only if no reset came since it began (`resets`). */
  | { readonly kind: 'repaired'; readonly origin: RegionId; readonly resets: number }
  /** The leader's HLC: every later update of the shard is stamped after it (a frontier report moves on while the shard takes no writes). */
  | { readonly kind: 'clock'; readonly timestamp: HlcTimestamp }
  /** Collect the last-writer-wins tombstones stamped at or below `frontier` (the stable frontier the leader computed; stable-frontier.ts). */
  | { readonly kind: 'collect'; readonly frontier: HlcTimestamp };

export interface GeoLogEntry {
  readonly geo: GeoCommand;
}

export function isGeoLogEntry(data: unknown): data is GeoLogEntry {
  return typeof data === 'object' && data !== null && 'geo' in data;
}

export type GeoUpdateResult =
  | { readonly status: 'ok'; readonly state: KeyState; readonly timestamp: HlcTimestamp; readonly context?: CausalContext; readonly duplicate: boolean }
  | { readonly status: 'refused'; readonly error: string };

export interface GeoApplyChangesResult {
  readonly status: 'ok';
  /** The receive cursor after this entry: every change up to here is applied. */
  readonly applied: number;
  readonly appliedNow: number;
  readonly reset: boolean;
}

export type GeoApplyResult = GeoUpdateResult | GeoApplyChangesResult | { readonly status: 'ok' };

export interface GeoShardSettings {
  readonly region: RegionId;
  /** Every other region: each gets this shard's stream. */
  readonly peers: readonly RegionId[];
  readonly merkleFanout: number;
  readonly merkleDepth: number;
  /** Pending changes kept for one destination before its backlog is given up. */
  readonly retainedChangesMax: number;
  /** Answers remembered per client for retries. */
  readonly answersPerClientMax?: number;
}

/** What the node's georeplication service is told after each geo entry is applied here. */
export interface GeoApplyObserver {
  (command: GeoCommand, result: GeoApplyResult, state: GeoShardState): void;
}

interface SavedAnswer {
  readonly timestamp: HlcTimestamp;
  readonly dot?: Dot;
  readonly readContext?: CausalContext;
}

export interface GeoShardSnapshot {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly keys: readonly (readonly [string, KeyState])[];
  readonly log: { readonly firstSeq: number; readonly entries: readonly ChangeEntry[] };
  readonly acked: readonly (readonly [RegionId, number])[];
  readonly resetFrom: readonly (readonly [RegionId, number])[];
  readonly applied: readonly (readonly [RegionId, number])[];
  readonly appliedCount: readonly (readonly [RegionId, number])[];
  readonly skipped: readonly (readonly [RegionId, number])[];
  readonly resets: readonly (readonly [RegionId, number])[];
  readonly repairFrom: readonly RegionId[];
  readonly answers: readonly (readonly [string, readonly (readonly [number, SavedAnswer])[]])[];
  readonly maxTimestamp: HlcTimestamp;
  /** Tombstones at or below it were collected (absent: none yet). */
  readonly horizon?: HlcTimestamp;
  /** Tombstones collected, and late states of collected keys refused, over the shard's history (absent: none). */
  readonly tombstoneStats?: { readonly collected: number; readonly staleRefused: number };
}

const SNAPSHOT_FORMAT = 'phantomdb.geo-shard.v1';
const ANSWERS_PER_CLIENT_MAX = 4_096;

/**
 * Checks a snapshot's shape before anything is loaded (all or nothing: the host parses
 * every module's part before any loads). Throws a TypeError naming what is wrong.
 */
export function parseGeoShardSnapshot(data: unknown): GeoShardSnapshot {
  const snapshot = data as GeoShardSnapshot;
  if (snapshot?.format !== SNAPSHOT_FORMAT) throw new TypeError(`not a ${SNAPSHOT_FORMAT} snapshot`);
  const lists = ['keys', 'acked', 'resetFrom', 'applied', 'appliedCount', 'skipped', 'resets', 'repairFrom', 'answers'] as const;
  for (const field of lists) if (!Array.isArray(snapshot[field])) throw new TypeError(`a ${SNAPSHOT_FORMAT} snapshot needs a list ${field}`);
  if (typeof snapshot.log !== 'object' || snapshot.log === null || !Number.isInteger(snapshot.log.firstSeq) || !Array.isArray(snapshot.log.entries)) throw new TypeError(`a ${SNAPSHOT_FORMAT} snapshot needs a change log`);
  const { firstSeq, entries } = snapshot.log;
  if (firstSeq < 1 || entries.some((entry, offset) => entry?.seq !== firstSeq + offset)) throw new TypeError(`a ${SNAPSHOT_FORMAT} snapshot's change log must run in sequence from ${firstSeq}`);
  if (typeof snapshot.maxTimestamp?.wallMs !== 'number' || typeof snapshot.maxTimestamp?.logical !== 'number') throw new TypeError(`a ${SNAPSHOT_FORMAT} snapshot needs its highest timestamp`);
  if (snapshot.horizon !== undefined && (typeof snapshot.horizon?.wallMs !== 'number' || typeof snapshot.horizon?.logical !== 'number')) throw new TypeError(`a ${SNAPSHOT_FORMAT} snapshot's tombstone horizon must be a timestamp`);
  const stats = snapshot.tombstoneStats;
  if (stats !== undefined && !(Number.isInteger(stats?.collected) && Number.isInteger(stats?.staleRefused))) throw new TypeError(`a ${SNAPSHOT_FORMAT} snapshot's tombstone counts must be whole numbers`);
  return snapshot;
}

/**
 * Planted-bug switches for the checks that must catch them (see the README, "Planted
 * bugs"). Off in every real run; a test turns one on for a moment.
 */
export const geoShardFaults = { skipDedupe: false, admitStaleStates: false };

export class GeoShardState {
  store: KeyStore;
  private log = new ChangeLog();
  private readonly acked = new Map<RegionId, number>();
  private readonly resetFrom = new Map<RegionId, number>();
  private readonly applied = new Map<RegionId, number>();
  /** Changes of each origin applied here, counted one by one: equals applied − skipped when each took effect once. */
  private readonly appliedCount = new Map<RegionId, number>();
  /** Changes of each origin skipped by a reset (repaired by anti-entropy instead). */
  private readonly skipped = new Map<RegionId, number>();
  private readonly resets = new Map<RegionId, number>();
  private readonly repairFrom = new Set<RegionId>();
  private readonly answers = new Map<string, Map<number, SavedAnswer>>();
  private maxTimestamp: HlcTimestamp = HLC_ZERO;
  /** Tombstones stamped at or below it were collected here; older last-writer-wins states of absent keys are stale. */
  private horizonStamp: HlcTimestamp = HLC_ZERO;
  /** Tombstones collected and stale states refused over the shard's history (replicated, in the snapshot). */
  readonly tombstoneStats = { collected: 0, staleRefused: 0 };
  observer: GeoApplyObserver | undefined;

  constructor(readonly settings: GeoShardSettings) {
    this.store = new KeyStore(settings.merkleFanout, settings.merkleDepth);
    for (const peer of settings.peers) if (peer === settings.region) throw new Error(`region ${peer} lists itself as a peer`);
  }

  // ---- questions ---------------------------------------------------------------------

  get lastSeq(): number {
    return this.log.lastSeq;
  }

  get retainedChanges(): number {
    return this.log.length;
  }

  /** The highest HLC timestamp inside any state or change held here. */
  get highestTimestamp(): HlcTimestamp {
    return this.maxTimestamp;
  }

  /** Our changes the destination acknowledged (or that were given up for it). */
  ackedBy(destination: RegionId): number {
    return this.acked.get(destination) ?? 0;
  }

  resetFor(destination: RegionId): number | undefined {
    return this.resetFrom.get(destination);
  }

  /** The receive cursor of an origin's stream of this shard. */
  appliedFrom(origin: RegionId): number {
    return this.applied.get(origin) ?? 0;
  }

  appliedCountFrom(origin: RegionId): number {
    return this.appliedCount.get(origin) ?? 0;
  }

  skippedFrom(origin: RegionId): number {
    return this.skipped.get(origin) ?? 0;
  }

  needsRepairFrom(origin: RegionId): boolean {
    return this.repairFrom.has(origin);
  }

  resetsFrom(origin: RegionId): number {
    return this.resets.get(origin) ?? 0;
  }

  /** Last-writer-wins tombstones at or below it have been collected here. */
  get tombstoneHorizon(): HlcTimestamp {
    return this.horizonStamp;
  }

  /** True while a backlog some origin gave up is being repaired (its stream positions skip changes not yet received). */
  get isRepairing(): boolean {
    return this.repairFrom.size > 0;
  }

  /** Whether a last-writer-wins tombstone stamped at or below `frontier` is held (a collect would drop something). */
  holdsTombstoneAtOrBelow(frontier: HlcTimestamp): boolean {
    for (const [, record] of this.store.entries()) if (isTombstone(record.state) && compareHlc((record.state as { timestamp: HlcTimestamp }).timestamp, frontier) <= 0) return true;
    return false;
  }

  /** Tombstones held now. */
  tombstoneCount(): number {
    let count = 0;
    for (const [, record] of this.store.entries()) if (isTombstone(record.state)) count++;
    return count;
  }

  /** Up to `limit` changes from `fromSeq` on, for the stream to a destination. */
  changesFrom(fromSeq: number, limit: number): ChangeEntry[] {
    return this.log.slice(fromSeq, limit);
  }

  get changeLog(): ChangeLog {
    return this.log;
  }

  // ---- apply ------------------------------------------------------------------------

  apply(command: GeoCommand): GeoApplyResult {
    const result = this.dispatch(command);
    this.observer?.(command, result, this);
    return result;
  }

  private dispatch(command: GeoCommand): GeoApplyResult {
    switch (command.kind) {
      case 'update':
        return this.applyUpdate(command);
      case 'apply-changes':
        return this.applyChanges(command);
      case 'acked':
        return this.applyAck(command.destination, command.seq);
      case 'merge':
        for (const [fullKey, state] of command.states) this.mergeKey(fullKey, state);
        return { status: 'ok' };
      case 'repaired':
        if (this.resetsFrom(command.origin) === command.resets) this.repairFrom.delete(command.origin);
        return { status: 'ok' };
      case 'clock':
        if (compareHlc(command.timestamp, this.maxTimestamp) > 0) this.maxTimestamp = command.timestamp;
        return { status: 'ok' };
      case 'collect':
        this.collect(command.frontier);
        return { status: 'ok' };
    }
  }

  /**
   * Drops every last-writer-wins tombstone stamped at or below the frontier and raises the
   * horizon to it. The leader proposes it only from a stable frontier (every region applied
   * every update stamped at or below it, and stamps every later one above it); a replica
   * repairing a given-up backlog applies it as nothing, as a region of one node does not
   * collect while repairing. Deterministic: every replica drops the same keys here.
   */
  private collect(frontier: HlcTimestamp): void {
    if (this.isRepairing || compareHlc(frontier, this.horizonStamp) <= 0) return;
    this.horizonStamp = frontier;
    const stable = [...this.store.entries()].filter(([, record]) => isTombstone(record.state) && compareHlc((record.state as { timestamp: HlcTimestamp }).timestamp, frontier) <= 0).map(([fullKey]) => fullKey);
    for (const fullKey of stable) this.store.delete(fullKey);
    this.tombstoneStats.collected += stable.length;
  }

  /**
   * Whether a remote state may be joined: not a last-writer-wins state stamped at or below
   * the horizon for a key not held. By stability such a state was applied here before the
   * horizon was reached, so the key's absence means it was a collected tombstone, and the
   * state is a late copy of it or of a write it beat (tombstone-collector.ts).
   */
  admits(fullKey: string, state: KeyState): boolean {
    if (geoShardFaults.admitStaleStates || state.kind !== 'lww' || this.store.get(fullKey) !== undefined) return true;
    return compareHlc(state.timestamp, this.horizonStamp) > 0;
  }

  private applyUpdate(command: GeoUpdateCommand): GeoUpdateResult {
    const fullKey = fullKeyOf(command.keyspace, command.key);
    const saved = this.answers.get(command.client.id)?.get(command.client.request);
    if (saved !== undefined) return this.answerOf(fullKey, saved, true);
    const current = this.store.stateOf(fullKey);
    const timestamp = this.stampAfterHeld(command.timestamp);
    const readContext = command.readContext ?? (command.replaceLocal && current?.kind === 'multi-value' ? current.context : EMPTY_CONTEXT);
    let applied: { state: KeyState; dot?: Dot };
    try {
      applied = applyOperation(command.strategy, current, command.operation, { region: this.settings.region, timestamp, readContext });
    } catch (error) {
      if (error instanceof KeyspaceError) return { status: 'refused', error: error.message };
      throw error;
    }
    this.maxTimestamp = timestamp;
    this.store.put(fullKey, applied.state);
    this.log.append({ keyspace: command.keyspace, key: command.key, state: applied.state, timestamp });
    this.enforceRetention();
    const answer: SavedAnswer = { timestamp, ...(applied.dot ? { dot: applied.dot } : {}), ...(command.strategy === 'multi-value' ? { readContext } : {}) };
    this.remember(command.client, answer);
    return this.answerOf(fullKey, answer, false);
  }

  /** The proposer's timestamp, or just after the highest one held if that is later (HLC monotonicity across leaders). */
  private stampAfterHeld(proposed: HlcTimestamp): HlcTimestamp {
    if (compareHlc(proposed, this.maxTimestamp) > 0) return proposed;
    return { wallMs: this.maxTimestamp.wallMs, logical: this.maxTimestamp.logical + 1 };
  }

  private answerOf(fullKey: string, saved: SavedAnswer, duplicate: boolean): GeoUpdateResult {
    const state = this.store.stateOf(fullKey)!;
    const context = saved.readContext === undefined ? undefined : saved.dot ? contextAdd(saved.readContext, saved.dot) : saved.readContext;
    return { status: 'ok', state, timestamp: saved.timestamp, ...(context ? { context } : {}), duplicate };
  }

  private remember(client: GeoUpdateCommand['client'], answer: SavedAnswer): void {
    let table = this.answers.get(client.id);
    if (table === undefined) this.answers.set(client.id, (table = new Map()));
    table.set(client.request, answer);
    const max = this.settings.answersPerClientMax ?? ANSWERS_PER_CLIENT_MAX;
    // Oldest first (insertion order): a client's requests older than the last `max` are not retried any more.
    while (table.size > max) table.delete(table.keys().next().value!);
  }

  /**
   * Applies an origin's changes in order. The receive cursor makes this exactly once: a
   * change at or below it was applied before (a retransmission, or the same batch proposed
   * twice around a leader change) and is skipped; a change past the next one would leave
   * a gap and is refused (the origin resends it).
   */
  private applyChanges(command: GeoApplyChangesCommand): GeoApplyChangesResult {
    const origin = command.origin;
    let cursor = this.appliedFrom(origin);
    let reset = false;
    if (command.resetFrom !== undefined && cursor < command.resetFrom - 1) {
      this.skipped.set(origin, this.skippedFrom(origin) + (command.resetFrom - 1 - cursor));
      cursor = command.resetFrom - 1;
      this.resets.set(origin, this.resetsFrom(origin) + 1);
      this.repairFrom.add(origin);
      reset = true;
    }
    let appliedNow = 0;
    for (const entry of command.entries) {
      if (entry.seq <= cursor && !geoShardFaults.skipDedupe) continue;
      if (entry.seq > cursor + 1) break;
      if (compareHlc(entry.timestamp, this.maxTimestamp) > 0) this.maxTimestamp = entry.timestamp;
      this.mergeKey(fullKeyOf(entry.keyspace, entry.key), entry.state);
      cursor = Math.max(cursor, entry.seq);
      appliedNow++;
    }
    this.applied.set(origin, cursor);
    this.appliedCount.set(origin, this.appliedCountFrom(origin) + appliedNow);
    return { status: 'ok', applied: cursor, appliedNow, reset };
  }

  private applyAck(destination: RegionId, seq: number): { status: 'ok' } {
    if (!this.settings.peers.includes(destination)) throw new Error(`${this.settings.region}: an acknowledgement from unknown region ${destination}`);
    if (seq > this.ackedBy(destination)) this.acked.set(destination, Math.min(seq, this.log.lastSeq));
    const reset = this.resetFrom.get(destination);
    if (reset !== undefined && seq >= reset - 1) this.resetFrom.delete(destination);
    this.trim();
    return { status: 'ok' };
  }

  /** Past the retention limit a destination's backlog is given up: it will repair with anti-entropy. */
  private enforceRetention(): void {
    for (const peer of this.settings.peers) {
      if (this.log.lastSeq - this.ackedBy(peer) <= this.settings.retainedChangesMax) continue;
      this.resetFrom.set(peer, this.log.lastSeq + 1);
      this.acked.set(peer, this.log.lastSeq);
    }
    this.trim();
  }

  private trim(): void {
    let lowest = this.log.lastSeq;
    for (const peer of this.settings.peers) lowest = Math.min(lowest, this.ackedBy(peer));
    this.log.trimThrough(lowest);
  }

  private mergeKey(fullKey: string, state: KeyState): void {
    this.raiseTimestamps(state);
    if (!this.admits(fullKey, state)) {
      this.tombstoneStats.staleRefused++;
      return;
    }
    this.store.merge(fullKey, state);
  }

  /** Keeps `maxTimestamp` at or above every timestamp held (LWW registers carry one). */
  private raiseTimestamps(state: KeyState): void {
    if (state.kind === 'lww' && compareHlc(state.timestamp, this.maxTimestamp) > 0) this.maxTimestamp = state.timestamp;
  }

  /** The state a key would have after joining `state` into it (what an anti-entropy merge will make); undefined: stale, refused, the key stays absent. */
  joinedWith(fullKey: string, state: KeyState): KeyState | undefined {
    const current = this.store.stateOf(fullKey);
    if (current === undefined) return this.admits(fullKey, state) ? state : undefined;
    return joinStates(current, state);
  }

  // ---- snapshot ---------------------------------------------------------------------

  snapshot(): GeoShardSnapshot {
    const sorted = <V>(map: ReadonlyMap<string, V>): [string, V][] => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      format: SNAPSHOT_FORMAT,
      keys: [...this.store.entries()].map(([fullKey, record]): [string, KeyState] => [fullKey, record.state]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      log: { firstSeq: this.log.firstSeq, entries: this.log.slice(this.log.firstSeq, this.log.length) },
      acked: sorted(this.acked),
      resetFrom: sorted(this.resetFrom),
      applied: sorted(this.applied),
      appliedCount: sorted(this.appliedCount),
      skipped: sorted(this.skipped),
      resets: sorted(this.resets),
      repairFrom: [...this.repairFrom].sort(),
      answers: sorted(this.answers).map(([client, table]) => [client, [...table.entries()]] as const),
      maxTimestamp: this.maxTimestamp,
      ...(compareHlc(this.horizonStamp, HLC_ZERO) === 0 ? {} : { horizon: this.horizonStamp }),
      ...(this.tombstoneStats.collected + this.tombstoneStats.staleRefused === 0 ? {} : { tombstoneStats: { ...this.tombstoneStats } }),
    };
  }

  restore(data: unknown): void {
    this.load(parseGeoShardSnapshot(data));
  }

  /** True while nothing was ever applied here (the snapshot of a fresh state). */
  get isEmpty(): boolean {
    return this.store.size === 0 && this.log.lastSeq === 0 && this.applied.size === 0 && this.acked.size === 0 && this.answers.size === 0 && this.resets.size === 0 && compareHlc(this.maxTimestamp, HLC_ZERO) === 0 && compareHlc(this.horizonStamp, HLC_ZERO) === 0;
  }

  /** Back to the state of a fresh replica (a snapshot without this module's part). */
  clear(): void {
    this.load(this.emptySnapshot());
  }

  private emptySnapshot(): GeoShardSnapshot {
    return { format: SNAPSHOT_FORMAT, keys: [], log: { firstSeq: 1, entries: [] }, acked: [], resetFrom: [], applied: [], appliedCount: [], skipped: [], resets: [], repairFrom: [], answers: [], maxTimestamp: HLC_ZERO };
  }

    /** Replaces the state with a parsed snapshot (parseGeoShardSnapshot); does not throw. */
  load(snapshot: GeoShardSnapshot): void {
    this.store = new KeyStore(this.settings.merkleFanout, this.settings.merkleDepth);
    for (const [fullKey, state] of snapshot.keys) this.store.put(fullKey, state);
    this.log = new ChangeLog(snapshot.log.firstSeq, snapshot.log.entries);
    const refill = <V>(map: Map<string, V>, pairs: readonly (readonly [string, V])[]): void => {
      map.clear();
      for (const [key, value] of pairs) map.set(key, value);
    };
    refill(this.acked, snapshot.acked);
    refill(this.resetFrom, snapshot.resetFrom);
    refill(this.applied, snapshot.applied);
    refill(this.appliedCount, snapshot.appliedCount);
    refill(this.skipped, snapshot.skipped);
    refill(this.resets, snapshot.resets);
    this.repairFrom.clear();
    for (const origin of snapshot.repairFrom) this.repairFrom.add(origin);
    this.answers.clear();
    for (const [client, table] of snapshot.answers) this.answers.set(client, new Map(table));
    this.maxTimestamp = snapshot.maxTimestamp;
    this.horizonStamp = snapshot.horizon ?? HLC_ZERO;
    this.tombstoneStats.collected = snapshot.tombstoneStats?.collected ?? 0;
    this.tombstoneStats.staleRefused = snapshot.tombstoneStats?.staleRefused ?? 0;
  }

  /** Equal on replicas that applied the same entries. */
  digest(): string {
    return digestHex(JSON.stringify(this.snapshot()));
  }
}

function isTombstone(state: KeyState): boolean {
  return state.kind === 'lww' && state.value === null;
}
