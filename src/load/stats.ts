/**
 * Load test statistics in simulated time: per operation type, throughput and latency
 * percentiles (p50, p95, p99, max) with error counts by reason, as k6 and Gatling report
 * them, and the same figures over virtual time for the charts. Pure functions of samples.
 */

/** One finished operation of a simulated user. Times are virtual milliseconds. */
export interface LoadSample {
  readonly kind: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly ok: boolean;
  /** Why it failed (or why its outcome is unknown); absent when ok. */
  readonly reason?: string;
}

export const PERCENTILES = ['p50', 'p95', 'p99', 'max'] as const;
export type Percentile = (typeof PERCENTILES)[number];

export interface LoadRow {
  readonly kind: string;
  readonly count: number;
  readonly ok: number;
  readonly errors: number;
  /** Successful operations per simulated second over the measured window. */
  readonly throughputPerS: number;
  /** Latency of successful operations, simulated ms; undefined when none succeeded. */
  readonly latencyMs: Readonly<Record<Percentile, number>> | undefined;
  /** Failed or unknown operations by reason (numbers in reasons folded into "N"). */
  readonly errorsByReason: ReadonlyMap<string, number>;
}

/** Nearest-rank percentile of an ascending list (p in (0, 100]). */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) throw new Error('a percentile of no values');
  if (!(p > 0 && p <= 100)) throw new RangeError(`a percentile is in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length, rank) - 1];
}

export function latencyPercentiles(latenciesMs: readonly number[]): Record<Percentile, number> | undefined {
  if (latenciesMs.length === 0) return undefined;
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

/** Folds the numbers out of a reason so that "txn c-3.14 waited 400 ms" groups with its kind. */
export function reasonClass(reason: string | undefined): string {
  const text = (reason ?? 'no reason given').replace(/\d+(?:\.\d+)*/g, 'N');
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
}

/** One row per operation type, in the order kinds first appear in `kinds`, then by name. */
export function summarize(samples: readonly LoadSample[], windowMs: number, kinds: readonly string[] = []): LoadRow[] {
  if (!(windowMs > 0)) throw new RangeError(`a load window is longer than 0 ms, got ${windowMs}`);
  const byKind = new Map<string, LoadSample[]>(kinds.map((kind) => [kind, []]));
  for (const sample of samples) {
    const list = byKind.get(sample.kind);
    if (list) list.push(sample);
    else byKind.set(sample.kind, [sample]);
  }
  return [...byKind].map(([kind, list]) => {
    const ok = list.filter((sample) => sample.ok);
    const errorsByReason = new Map<string, number>();
    for (const sample of list) if (!sample.ok) errorsByReason.set(reasonClass(sample.reason), (errorsByReason.get(reasonClass(sample.reason)) ?? 0) + 1);
    return {
      kind,
      count: list.length,
      ok: ok.length,
      errors: list.length - ok.length,
      throughputPerS: ok.length / (windowMs / 1000),
      latencyMs: latencyPercentiles(ok.map((sample) => sample.endMs - sample.startMs)),
      errorsByReason,
    };
  });
}

/** The report table: one line per operation type, then the errors by reason. */
export function formatLoadTable(rows: readonly LoadRow[]): string {
  const header = ['operation', 'count', 'ok', 'errors', 'ops/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'];
  const lines = rows.map((row) => [
    row.kind,
    String(row.count),
    String(row.ok),
    String(row.errors),
    row.throughputPerS.toFixed(1),
    ...PERCENTILES.map((name) => (row.latencyMs ? row.latencyMs[name].toFixed(1) : '-')),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column].length)));
  const render = (cells: string[]): string => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  const errors = rows.flatMap((row) => [...row.errorsByReason].sort((a, b) => b[1] - a[1]).map(([reason, count]) => `  ${row.kind}: ${count} × ${reason}`));
  return [render(header), ...lines.map(render), '', errors.length > 0 ? 'errors by reason:' : 'no errors', ...errors].join('\n');
}

export interface TimeBucket {
  readonly startMs: number;
  /** Completions per simulated second in this bucket, ok only. */
  readonly throughputPerS: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
  readonly errors: number;
}

/** Per operation type, figures per bucket of virtual time (by completion time). */
export function timeSeries(samples: readonly LoadSample[], fromMs: number, toMs: number, bucketMs: number): Map<string, TimeBucket[]> {
  if (!(bucketMs > 0) || !(toMs > fromMs)) throw new RangeError('a time series needs a bucket > 0 ms and a window');
  const buckets = Math.ceil((toMs - fromMs) / bucketMs);
  const byKind = new Map<string, LoadSample[][]>();
  for (const sample of samples) {
    if (sample.endMs < fromMs || sample.endMs > toMs) continue;
    let lists = byKind.get(sample.kind);
    if (!lists) byKind.set(sample.kind, (lists = Array.from({ length: buckets }, () => [])));
    lists[Math.min(buckets - 1, Math.floor((sample.endMs - fromMs) / bucketMs))].push(sample);
  }
  const series = new Map<string, TimeBucket[]>();
  for (const [kind, lists] of byKind) {
    series.set(
      kind,
      lists.map((list, index) => {
        const latencies = latencyPercentiles(list.filter((sample) => sample.ok).map((sample) => sample.endMs - sample.startMs));
        return { startMs: fromMs + index * bucketMs, throughputPerS: list.filter((sample) => sample.ok).length / (bucketMs / 1000), p50Ms: latencies?.p50, p99Ms: latencies?.p99, errors: list.filter((sample) => !sample.ok).length };
      }),
    );
  }
  return series;
}

/** Counts of successful latencies per bucket of `widthMs`, for a histogram. */
export function latencyHistogram(samples: readonly LoadSample[], kind: string, widthMs: number): { fromMs: number; count: number }[] {
  const latencies = samples.filter((sample) => sample.kind === kind && sample.ok).map((sample) => sample.endMs - sample.startMs);
  if (latencies.length === 0) return [];
  const bins = new Map<number, number>();
  for (const latency of latencies) bins.set(Math.floor(latency / widthMs), (bins.get(Math.floor(latency / widthMs)) ?? 0) + 1);
  const last = Math.max(...bins.keys());
  return Array.from({ length: last + 1 }, (_, index) => ({ fromMs: index * widthMs, count: bins.get(index) ?? 0 }));
}
