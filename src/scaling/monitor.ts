import type { MetricName, NodeReading } from './types';

/**
 * Resource monitoring (issue 9 §1): per-node metrics sampled at a fixed simulated interval,
 * derived from what the node did since the previous sample, kept in a window and averaged.
 *
 * - cpu: operations processed in the interval against what the node can process in it
 *   (its capacity in operations per second), in percent;
 * - memory: bytes of data held plus Raft log bytes against the node's memory, in percent;
 * - disk: the same bytes against the node's disk, in percent (data and logs are on disk);
 * - requestsPerSecond: client requests the node served in the interval, per second.
 *
 * A node that gives no sample at a tick (crashed, cut off, or stubbed out by a test) has a
 * gap; a node whose window holds no sample at all has no reading for the metric, which the
 * HPA core then treats as missing (100% of target on scale-down, 0% on scale-up).
 */

/** What a node reports about itself: cumulative counters and its present size. */
export interface NodeActivity {
  /** Operations applied or served since the node started (cumulative). */
  readonly operationsProcessed: number;
  /** Client requests served since the node started (cumulative). */
  readonly requestsServed: number;
  readonly dataBytes: number;
  readonly raftLogBytes: number;
  readonly capacity: { readonly operationsPerSecond: number; readonly memoryBytes: number; readonly diskBytes: number };
}

/** One derived sample of one node. */
export interface ResourceSample {
  readonly atMs: number;
  readonly node: string;
  readonly values: Readonly<Record<MetricName, number>>;
}

/** The port the monitor reads through: undefined means no sample from that node now. */
export interface ActivitySource {
  activity(node: string): NodeActivity | undefined;
}

export interface MonitorOptions {
  readonly intervalMs: number;
  /** How many recent samples a reading averages (HPA's metrics pipeline averages over a short window too). */
  readonly windowSamples: number;
}

export class ResourceMonitor {
  private readonly previous = new Map<string, { atMs: number; activity: NodeActivity }>();
  private readonly windows = new Map<string, ResourceSample[]>();
  /** Every sample ever taken, for the report's resource table and picture. */
  readonly history: ResourceSample[] = [];

  constructor(private readonly options: MonitorOptions) {
    if (!(options.intervalMs > 0)) throw new Error(`monitor: intervalMs must be positive, got ${options.intervalMs}`);
    if (!(Number.isInteger(options.windowSamples) && options.windowSamples >= 1)) throw new Error(`monitor: windowSamples must be a whole number ≥ 1, got ${options.windowSamples}`);
  }

  /** Takes one sample of each node at `nowMs`; a node that gives none leaves a gap. */
  sample(nowMs: number, nodes: readonly string[], source: ActivitySource): void {
    for (const node of nodes) {
      const activity = source.activity(node);
      if (!activity) continue;
      const before = this.previous.get(node);
      this.previous.set(node, { atMs: nowMs, activity });
      if (!before || nowMs <= before.atMs) continue; // the first sample only sets the baseline
      const sample: ResourceSample = { atMs: nowMs, node, values: deriveMetrics(before.activity, activity, (nowMs - before.atMs) / 1000) };
      const window = this.windows.get(node) ?? [];
      window.push(sample);
      if (window.length > this.options.windowSamples) window.shift();
      this.windows.set(node, window);
      this.history.push(sample);
    }
  }

  /** Forgets a node that left the cluster. */
  forget(node: string): void {
    this.previous.delete(node);
    this.windows.delete(node);
  }

  /** The averaged readings of the window ending at `nowMs`; samples older than the window are stale. */
  readings(nowMs: number, nodes: readonly { id: string; ready: boolean }[]): NodeReading[] {
    const oldestMs = nowMs - this.options.intervalMs * this.options.windowSamples;
    return nodes.map(({ id, ready }) => {
      const fresh = (this.windows.get(id) ?? []).filter((sample) => sample.atMs > oldestMs);
      return { node: id, ready, values: fresh.length === 0 ? {} : averageValues(fresh) };
    });
  }
}

export function deriveMetrics(before: NodeActivity, after: NodeActivity, seconds: number): Record<MetricName, number> {
  if (!(seconds > 0)) throw new Error(`monitor: an interval of ${seconds} s cannot give a rate`);
  const operations = Math.max(0, after.operationsProcessed - before.operationsProcessed);
  const requests = Math.max(0, after.requestsServed - before.requestsServed);
  const held = after.dataBytes + after.raftLogBytes;
  return {
    cpu: (100 * operations) / (after.capacity.operationsPerSecond * seconds),
    memory: (100 * held) / after.capacity.memoryBytes,
    disk: (100 * held) / after.capacity.diskBytes,
    requestsPerSecond: requests / seconds,
  };
}

function averageValues(samples: readonly ResourceSample[]): Partial<Record<MetricName, number>> {
  const result: Partial<Record<MetricName, number>> = {};
  for (const metric of Object.keys(samples[0].values) as MetricName[]) {
    // Whole milli-units, as HPA's metrics API reports quantities: no float dust reaches the ceiling in the ratio.
    result[metric] = Math.round((1000 * samples.reduce((sum, sample) => sum + sample.values[metric], 0)) / samples.length) / 1000;
  }
  return result;
}

/** The cluster resource table for the report: per node, the latest sample and the window's average. */
export function formatResourceTable(samples: readonly ResourceSample[]): string {
  const latest = new Map<string, ResourceSample>();
  for (const sample of samples) latest.set(sample.node, sample);
  const header = ['node', 'last sample', 'cpu %', 'memory %', 'disk %', 'requests/s'];
  const rows = [...latest.values()]
    .sort((a, b) => a.node.localeCompare(b.node, 'en', { numeric: true }))
    .map((sample) => [sample.node, `${(sample.atMs / 1000).toFixed(1)} s`, ...(['cpu', 'memory', 'disk', 'requestsPerSecond'] as const).map((metric) => sample.values[metric].toFixed(1))]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]): string => cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}
