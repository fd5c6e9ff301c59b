/**
 * The replication-lag metric per ordered region pair (origin → destination), measured in
 * virtual time by the facade from the replicas' own progress:
 *
 * - pending changes: origin's last sequence − the destination's applied sequence from it;
 * - lag (ms): how long the oldest change the destination has not applied has existed
 *   (0 when nothing is pending). While the destination repairs a backlog the origin gave
 *   up on, the lag counts from the first change given up until the repair completes.
 *
 * Samples are taken at a fixed virtual interval; past `samplesMax` every other sample is
 * dropped and the interval doubles, so memory stays bounded on long runs.
 */
import type { RegionId } from './causal-context';

export interface PairLag {
  readonly origin: RegionId;
  readonly destination: RegionId;
  readonly lagMs: number;
  readonly pending: number;
  readonly repairing: boolean;
}

export interface LagSample {
  readonly atMs: number;
  /** Whether some region pair could not talk (partition) or a region was down at that moment. */
  readonly disturbed: boolean;
  /** Same order as LagRecorder.pairs(). */
  readonly lagMs: readonly number[];
  readonly pending: readonly number[];
}

export interface PairSummary {
  readonly origin: RegionId;
  readonly destination: RegionId;
  readonly nowLagMs: number;
  readonly nowPending: number;
  readonly maxLagMs: number;
  readonly maxPending: number;
  /** Mean lag over the samples where changes were pending. */
  readonly meanLagWhenPendingMs: number;
  readonly repairing: boolean;
}

class OriginProgress {
  lastSeq = 0;
  /** commitMs[seq - base] is when change `seq` was committed at the origin (virtual ms). */
  private commitMs: number[] = [];
  private base = 1;

  record(seq: number, atMs: number): void {
    if (seq !== this.base + this.commitMs.length) {
      // After a restart the origin continues its sequence; a gap would be a bug in the log.
      if (seq < this.base + this.commitMs.length) return;
      while (this.base + this.commitMs.length < seq) this.commitMs.push(atMs);
    }
    this.commitMs.push(atMs);
    this.lastSeq = Math.max(this.lastSeq, seq);
  }

  committedAt(seq: number): number | undefined {
    return this.commitMs[seq - this.base];
  }

  /** Forgets commit times every destination is past. */
  trimBelow(seq: number): void {
    const drop = Math.min(seq - this.base, this.commitMs.length);
    if (drop < 4096) return;
    this.commitMs = this.commitMs.slice(drop);
    this.base += drop;
  }
}

export class LagRecorder {
  private readonly origins = new Map<RegionId, OriginProgress>();
  /** applied[destination][origin] */
  private readonly applied = new Map<RegionId, Map<RegionId, number>>();
  private readonly repairSinceMs = new Map<string, number>();
  private readonly pairList: [RegionId, RegionId][] = [];
  readonly samples: LagSample[] = [];
  private sampleEvery = 1;
  private sampleCount = 0;

  constructor(
    regions: readonly RegionId[],
    private readonly samplesMax = 2_000,
  ) {
    for (const origin of regions) {
      this.origins.set(origin, new OriginProgress());
      this.applied.set(origin, new Map());
      for (const destination of regions) if (destination !== origin) this.pairList.push([origin, destination]);
    }
  }

  pairs(): readonly (readonly [RegionId, RegionId])[] {
    return this.pairList;
  }

  localChange(origin: RegionId, seq: number, atMs: number): void {
    this.origin(origin).record(seq, atMs);
  }

  appliedAt(destination: RegionId, origin: RegionId, seq: number): void {
    const table = this.applied.get(destination)!;
    table.set(origin, Math.max(table.get(origin) ?? 0, seq));
  }

  repairNeeded(destination: RegionId, origin: RegionId, atMs: number): void {
    const key = `${origin}>${destination}`;
    if (this.repairSinceMs.has(key)) return;
    const firstMissing = (this.applied.get(destination)!.get(origin) ?? 0) + 1;
    this.repairSinceMs.set(key, this.origin(origin).committedAt(firstMissing) ?? atMs);
  }

  repairDone(destination: RegionId, origin: RegionId): void {
    this.repairSinceMs.delete(`${origin}>${destination}`);
  }

  current(origin: RegionId, destination: RegionId, nowMs: number): PairLag {
    const progress = this.origin(origin);
    const applied = this.applied.get(destination)?.get(origin) ?? 0;
    const pending = Math.max(0, progress.lastSeq - applied);
    let lagMs = pending > 0 ? nowMs - (progress.committedAt(applied + 1) ?? nowMs) : 0;
    const repairSince = this.repairSinceMs.get(`${origin}>${destination}`);
    if (repairSince !== undefined) lagMs = Math.max(lagMs, nowMs - repairSince);
    return { origin, destination, lagMs, pending, repairing: repairSince !== undefined };
  }

  sample(nowMs: number, disturbed: boolean): void {
    if (this.sampleCount++ % this.sampleEvery !== 0) return;
    const lags = this.pairList.map(([origin, destination]) => this.current(origin, destination, nowMs));
    this.samples.push({ atMs: nowMs, disturbed, lagMs: lags.map((lag) => lag.lagMs), pending: lags.map((lag) => lag.pending) });
    if (this.samples.length > this.samplesMax) this.decimate();
    this.trim();
  }

  summary(nowMs: number): PairSummary[] {
    return this.pairList.map(([origin, destination], column) => {
      const now = this.current(origin, destination, nowMs);
      let maxLagMs = now.lagMs;
      let maxPending = now.pending;
      let lagSum = 0;
      let pendingSamples = 0;
      for (const sample of this.samples) {
        maxLagMs = Math.max(maxLagMs, sample.lagMs[column]);
        maxPending = Math.max(maxPending, sample.pending[column]);
        if (sample.pending[column] > 0) {
          lagSum += sample.lagMs[column];
          pendingSamples++;
        }
      }
      return {
        origin,
        destination,
        nowLagMs: now.lagMs,
        nowPending: now.pending,
        maxLagMs,
        maxPending,
        meanLagWhenPendingMs: pendingSamples === 0 ? 0 : lagSum / pendingSamples,
        repairing: now.repairing,
      };
    });
  }

  /** A plain-text table, one row per region pair. */
  table(nowMs: number): string {
    const header = ['origin → destination', 'lag now (ms)', 'pending now', 'max lag (ms)', 'max pending', 'mean lag while pending (ms)', 'repairing'];
    const rows = this.summary(nowMs).map((row) => [
      `${row.origin} → ${row.destination}`,
      String(Math.round(row.nowLagMs)),
      String(row.nowPending),
      String(Math.round(row.maxLagMs)),
      String(row.maxPending),
      String(Math.round(row.meanLagWhenPendingMs)),
      row.repairing ? 'yes' : 'no',
    ]);
    return formatTable(header, rows);
  }

  private origin(region: RegionId): OriginProgress {
    const progress = this.origins.get(region);
    if (!progress) throw new Error(`no region ${region} in the lag recorder`);
    return progress;
  }

  private decimate(): void {
    const kept = this.samples.filter((_, index) => index % 2 === 0);
    this.samples.length = 0;
    this.samples.push(...kept);
    this.sampleEvery *= 2;
  }

  private trim(): void {
    for (const [origin, progress] of this.origins) {
      let lowest = Infinity;
      for (const [destination, table] of this.applied) if (destination !== origin) lowest = Math.min(lowest, table.get(origin) ?? 0);
      if (Number.isFinite(lowest)) progress.trimBelow(lowest + 1);
    }
  }
}

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
