/**
 * Garbage collection of last-writer-wins tombstones in a region of many nodes (issue 12
 * §6): what a shard's Raft leader runs, beside its shipper, every heartbeat.
 *
 * The rule is the one of a region of one node (tombstone-collector.ts, stable-frontier.ts),
 * per shard: shard N of every region streams only to shard N of the others, so its keys
 * reach a region only through that shard's streams and anti-entropy sessions, and the
 * shard's own frontier answers for them.
 *
 * - **Reports from the replicated state.** Each leader reports, to the same shard's leader
 *   in every other region, how far its shard applied each origin's stream (its own entry:
 *   its last change) and the highest timestamp the shard holds. Both come from the
 *   committed state the leader applied, so a report stays true whoever leads later: the
 *   shard stamps every later update above its highest timestamp (region-shard-state.ts),
 *   so "everything stamped up to H is at or below position L" holds for (L, H) read
 *   together. While the shard takes no writes, the leader commits a `clock` entry with its
 *   HLC now and then, so H (and the frontier) moves on.
 * - **The decision through the log.** Once the stable frontier F passes the shard's
 *   horizon, the leader proposes `collect F`; every replica drops the tombstones stamped
 *   at or below F when it applies that entry, at the same log position, and the horizon is
 *   part of the snapshot. A new leader starts with no reports and collects again only once
 *   every region has reported to it. Nothing is proposed while no tombstone is stable.
 * - **Nothing comes back.** The shard refuses, when it applies a stream change or an
 *   anti-entropy merge, a last-writer-wins state at or below its horizon for a key it does
 *   not hold (GeoShardState.admits): a late copy of a collected tombstone, or of a write it
 *   beat.
 */
import type { RegionId, VersionVector } from './causal-context';
import { compareHlc, type HlcTimestamp } from './hlc';
import type { FrontierMessage } from './messages';
import type { GeoCommand, GeoShardState } from './region-shard-state';
import { StableFrontier } from './stable-frontier';
import { tombstoneFaults } from './tombstone-collector';

export interface ShardTombstoneHost {
  readonly region: RegionId;
  readonly shard: string;
  readonly peers: readonly RegionId[];
  state(): GeoShardState;
  /** The leader's HLC now (a send event). */
  timestamp(): HlcTimestamp;
  /** How far behind the HLC the shard's highest timestamp may fall before a `clock` entry moves it on. */
  readonly clockStepMs: number;
  /** Proposes an entry to the shard's log; `done` once it was applied (or was not committed by this leader). */
  propose(command: GeoCommand, done: () => void): void;
  /** Sends to the shard's leader in a peer region, if the peer is reachable and its clock accepted. */
  send(peer: RegionId, message: FrontierMessage): void;
}

export class ShardTombstones {
  private readonly frontier: StableFrontier;
  private readonly latest = new Map<RegionId, FrontierMessage>();
  private clockInFlight = false;
  private collectInFlight = false;

  constructor(private readonly host: ShardTombstoneHost) {
    this.frontier = new StableFrontier([host.region, ...host.peers]);
  }

  /** Each heartbeat: move the shard's clock on if it idles, report to every region, collect what is stable. */
  heartbeat(): void {
    const state = this.host.state();
    this.advanceClock(state);
    const report = this.report(state);
    this.take(report);
    for (const peer of this.host.peers) this.host.send(peer, report);
    this.collect(state);
  }

  /** Another region's report for this shard. */
  onReport(message: FrontierMessage): void {
    this.take(message);
  }

  /** The stable frontier as this leader knows it (undefined until every region reported). */
  get stableFrontier(): HlcTimestamp | undefined {
    return this.frontier.frontier;
  }

  private report(state: GeoShardState): FrontierMessage {
    const applied: VersionVector = Object.fromEntries([[this.host.region, state.lastSeq], ...this.host.peers.map((peer) => [peer, state.appliedFrom(peer)])]);
    return { type: 'geo.frontier', region: this.host.region, applied, hlc: state.highestTimestamp, repairing: state.isRepairing, shard: this.host.shard };
  }

  private take(report: FrontierMessage): void {
    this.latest.set(report.region, report);
    this.frontier.record(report);
  }

  private advanceClock(state: GeoShardState): void {
    if (this.clockInFlight) return;
    const now = this.host.timestamp();
    if (now.wallMs - state.highestTimestamp.wallMs < this.host.clockStepMs) return;
    this.clockInFlight = true;
    this.host.propose({ kind: 'clock', timestamp: now }, () => (this.clockInFlight = false));
  }

  private collect(state: GeoShardState): void {
    if (this.collectInFlight || state.isRepairing) return;
    const frontier = tombstoneFaults.ignoreSlowestRegion ? this.frontierWithoutSlowest() : this.frontier.frontier;
    if (frontier === undefined || compareHlc(frontier, state.tombstoneHorizon) <= 0) return;
    // Nothing to drop: the horizon need not move (it only has to cover what was collected).
    if (!state.holdsTombstoneAtOrBelow(frontier)) return;
    this.collectInFlight = true;
    this.host.propose({ kind: 'collect', frontier }, () => (this.collectInFlight = false));
  }

  /** The planted bug (tombstoneFaults.ignoreSlowestRegion): the regions' latest stamps, the slowest region left out. */
  private frontierWithoutSlowest(): HlcTimestamp | undefined {
    const stamps = [...this.latest.values()].map((report) => report.hlc).sort(compareHlc);
    return stamps.length < 2 ? undefined : stamps[1];
  }
}
