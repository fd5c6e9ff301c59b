/**
 * Causal stability for collecting tombstones (issue 12 §6): the largest HLC time F such
 * that every update any region ever made with a timestamp ≤ F has been applied by every
 * region, and no region will ever again make one. A last-writer-wins tombstone at T ≤ F
 * is then stable in the sense of Baquero, Almeida and Shoker ("Making operation-based
 * CRDTs operation-based", 2014, §4: an operation is causally stable once every replica
 * has delivered it and everything delivered from now on follows it): no replica holds, or
 * will receive, anything the tombstone must still win against, so it can be dropped
 * without any read changing. Riak's delete mode reaps a tombstone on the same condition
 * (every primary replica has it), checked at delete time; here it is checked from a matrix
 * of reports, as in Wuu and Bernstein's log garbage collection (1984).
 *
 * Each region periodically reports (with `geo.frontier`): how far it has applied every
 * origin's change stream (a version vector over stream positions, its own entry being its
 * last change), and its HLC at that moment. Because a region's changes are numbered in the
 * order it stamps them, "everything O stamped up to H_O is at or below position L_O", and
 * every later stamp of O is above H_O. A report (L_O, H_O) of O counts once every region
 * reports having applied O's stream up to L_O; F is the minimum over regions of the newest
 * such H_O. A region repairing a given-up backlog has skipped stream positions it has not
 * yet received by anti-entropy, so its vector is not used while it repairs.
 *
 * Pure bookkeeping: the replica does the messages, the timing and the disk.
 */
import { type RegionId, vectorMerge, type VersionVector } from './causal-context';
import { compareHlc, type HlcTimestamp } from './hlc';

export interface FrontierReport {
  readonly region: RegionId;
  /** Per origin (itself included: its last change), the stream position applied up to. */
  readonly applied: VersionVector;
  /** The reporter's HLC when it reported: all its later changes are stamped above it. */
  readonly hlc: HlcTimestamp;
  /** True while it repairs a backlog an origin gave up: its `applied` may count changes it skipped. */
  readonly repairing: boolean;
}

/** Reports of one origin not yet covered everywhere, kept at most this many (a full queue waits). */
const pendingMax = 64;

export class StableFrontier {
  /** Per region, its latest vector that may be trusted (from a report made while not repairing). */
  private readonly vectors = new Map<RegionId, VersionVector>();
  /** Per region, its reports (own position, HLC) in order, oldest first. */
  private readonly pending = new Map<RegionId, { position: number; hlc: HlcTimestamp }[]>();
  /** Per region, the newest HLC whose report every region has covered. */
  private readonly covered = new Map<RegionId, HlcTimestamp>();
  private readonly coveredPositions = new Map<RegionId, number>();

  constructor(private readonly regions: readonly RegionId[]) {
    if (new Set(regions).size !== regions.length || regions.length === 0) throw new Error(`a frontier needs distinct regions, got ${regions.join(', ')}`);
  }

  /** Takes a report (a region's own included); reports older than one already taken are ignored. */
  record(report: FrontierReport): void {
    if (!this.regions.includes(report.region)) return;
    // Stream positions only grow (they are on disk): a late, reordered report cannot lower them.
    if (!report.repairing) this.vectors.set(report.region, vectorMerge(this.vectors.get(report.region) ?? {}, report.applied));
    const position = report.applied[report.region] ?? 0;
    const queue = this.pending.get(report.region) ?? [];
    const newest = queue[queue.length - 1] ?? this.coveredReport(report.region);
    const isNewer = newest === undefined || (position >= newest.position && compareHlc(report.hlc, newest.hlc) > 0);
    if (isNewer && queue.length < pendingMax) queue.push({ position, hlc: report.hlc });
    this.pending.set(report.region, queue);
    this.advance();
  }

  /** F: every update stamped at or before it is applied everywhere; undefined until every region has reported. */
  get frontier(): HlcTimestamp | undefined {
    let lowest: HlcTimestamp | undefined;
    for (const region of this.regions) {
      const hlc = this.covered.get(region);
      if (hlc === undefined) return undefined;
      if (lowest === undefined || compareHlc(hlc, lowest) < 0) lowest = hlc;
    }
    return lowest;
  }

  private coveredReport(region: RegionId): { position: number; hlc: HlcTimestamp } | undefined {
    const hlc = this.covered.get(region);
    return hlc === undefined ? undefined : { position: this.coveredPositions.get(region)!, hlc };
  }

  /** Moves each origin's covered report to its newest one every region has applied. */
  private advance(): void {
    for (const origin of this.regions) {
      const queue = this.pending.get(origin);
      if (queue === undefined || queue.length === 0) continue;
      const everywhere = this.appliedEverywhere(origin);
      if (everywhere === undefined) continue;
      let taken = 0;
      while (taken < queue.length && queue[taken].position <= everywhere) taken++;
      if (taken === 0) continue;
      const newest = queue[taken - 1];
      this.covered.set(origin, newest.hlc);
      this.coveredPositions.set(origin, newest.position);
      queue.splice(0, taken);
    }
  }

  /** How far every region has applied `origin`'s stream, by their trusted vectors. */
  private appliedEverywhere(origin: RegionId): number | undefined {
    let lowest = Infinity;
    for (const region of this.regions) {
      if (region === origin) continue; // a region has applied its own changes as it made them
      const vector = this.vectors.get(region);
      if (vector === undefined) return undefined;
      lowest = Math.min(lowest, vector[origin] ?? 0);
    }
    return lowest;
  }
}
