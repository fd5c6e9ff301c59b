/**
 * Garbage collection of last-writer-wins tombstones at one region (issue 12 §6).
 *
 * A delete leaves a tombstone (the key's register with no value) so that an older write
 * arriving late cannot bring the key back. Once the tombstone's timestamp T is at or
 * below the stable frontier F (src/georep/stable-frontier.ts), every region has applied
 * it and every update stamped before it, and every region stamps its future updates
 * above F: nothing the tombstone must win against exists anywhere or will be made, so the
 * key is dropped, on disk and from the Merkle tree.
 *
 * What is still in flight is the one danger: a change or an anti-entropy state sent before
 * its sender applied the tombstone, and delivered late. So the region remembers, on disk,
 * the highest frontier it collected up to (its horizon G), and refuses a last-writer-wins
 * state stamped at or below G for a key it does not hold: by stability such a state was
 * applied here before G was reached, so if the key is absent now it was a collected
 * tombstone, and the state is stale (a collected tombstone coming back, or a write it beat).
 * Anti-entropy therefore never resurrects a collected key, and never re-adopts a tombstone
 * another region has not collected yet: the regions' trees differ until that region
 * collects it too, which it does at the same frontier.
 *
 * Not collected: multi-value and OR-set keys whose values were all removed keep their
 * causal context (one version vector per key); see README.
 */
import type { RegionId, VersionVector } from './causal-context';
import { compareHlc, HLC_ZERO, type HlcTimestamp, maxHlc } from './hlc';
import type { KeyStore } from './key-store';
import type { FrontierMessage } from './messages';
import { StableFrontier } from './stable-frontier';
import type { KeyState } from './strategies';

export interface TombstoneHost {
  readonly region: RegionId;
  readonly peers: readonly RegionId[];
  readonly store: KeyStore;
  /** How far this region applied each origin's stream (itself: its last change). */
  appliedVector(): VersionVector;
  /** True while it repairs a backlog some origin gave up. */
  repairing(): boolean;
  /** A fresh HLC timestamp, durable before it is reported (a restarted region never stamps below it). */
  stamp(): HlcTimestamp;
  send(peer: RegionId, message: FrontierMessage): void;
  /** The horizon as last saved, and saving a new one (durably, before anything is dropped). */
  loadHorizon(): HlcTimestamp | undefined;
  saveHorizon(horizon: HlcTimestamp): void;
  /** Drops collected keys from disk (the store is the caller's). */
  dropped(fullKeys: readonly string[]): void;
  trace(kind: string, detail: Record<string, unknown>): void;
}

/**
 * Planted-bug switch (README, "Planted bugs"): off in every real run.
 * `ignoreSlowestRegion`: the frontier is taken over the regions that reported lately,
 * leaving out the one furthest behind.
 */
export const tombstoneFaults = { ignoreSlowestRegion: false };

export class TombstoneCollector {
  private readonly frontier: StableFrontier;
  /** Tombstones stamped at or below this were collected here; older states of absent keys are stale. */
  private horizonStamp: HlcTimestamp;
  private readonly latest = new Map<RegionId, FrontierMessage>();
  readonly stats = { collected: 0, staleRefused: 0 };

  constructor(private readonly host: TombstoneHost) {
    this.frontier = new StableFrontier([host.region, ...host.peers]);
    this.horizonStamp = host.loadHorizon() ?? HLC_ZERO;
  }

  get horizon(): HlcTimestamp {
    return this.horizonStamp;
  }

  /** Tombstones held here now. */
  tombstoneCount(): number {
    let count = 0;
    for (const [, record] of this.host.store.entries()) if (isTombstone(record.state)) count++;
    return count;
  }

  /** Each heartbeat: report to every region, then collect what is stable. */
  heartbeat(): void {
    const report: FrontierMessage = { type: 'geo.frontier', region: this.host.region, applied: this.host.appliedVector(), hlc: this.host.stamp(), repairing: this.host.repairing() };
    this.take(report);
    for (const peer of this.host.peers) this.host.send(peer, report);
    this.collect();
  }

  onReport(message: FrontierMessage): void {
    this.take(message);
  }

  /** Whether a remote state may be merged: not a stale last-writer-wins state of a key collected here. */
  admits(fullKey: string, state: KeyState): boolean {
    if (state.kind !== 'lww' || this.host.store.get(fullKey) !== undefined) return true;
    if (compareHlc(state.timestamp, this.horizonStamp) > 0) return true;
    this.stats.staleRefused++;
    return false;
  }

  private take(report: FrontierMessage): void {
    this.latest.set(report.region, report);
    this.frontier.record(report);
  }

  private collect(): void {
    if (this.host.repairing()) return;
    const frontier = tombstoneFaults.ignoreSlowestRegion ? this.frontierWithoutSlowest() : this.frontier.frontier;
    if (frontier === undefined || compareHlc(frontier, this.horizonStamp) <= 0) return;
    const stable = [...this.host.store.entries()].filter(([, record]) => isTombstone(record.state) && compareHlc((record.state as { timestamp: HlcTimestamp }).timestamp, frontier) <= 0).map(([fullKey]) => fullKey);
    this.horizonStamp = maxHlc(this.horizonStamp, frontier);
    this.host.saveHorizon(this.horizonStamp);
    if (stable.length === 0) return;
    for (const fullKey of stable) this.host.store.delete(fullKey);
    this.host.dropped(stable);
    this.stats.collected += stable.length;
    this.host.trace('geo.tombstones-collected', { count: stable.length, frontier: `${frontier.wallMs}.${frontier.logical}` });
  }

  /** The planted bug: a frontier from the regions' latest HLCs, the slowest region left out. */
  private frontierWithoutSlowest(): HlcTimestamp | undefined {
    const stamps = [...this.latest.values()].map((report) => report.hlc).sort(compareHlc);
    return stamps.length < 2 ? undefined : stamps[1];
  }
}

function isTombstone(state: KeyState): boolean {
  return state.kind === 'lww' && state.value === null;
}
