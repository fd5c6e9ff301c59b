import { findKnee, formatRamp, judgeStage, type Knee, type RampStage, type RampThreshold } from '../src/load/ramp';
import { formatLoadTable, latencyHistogram, type LoadRow, type LoadSample, type Percentile, summarize, timeSeries } from '../src/load/stats';
import { type LoadOperations, LoadUsers } from '../src/load/users';
import type { SeededRandom } from '../src/sim';
import { runTransfers } from '../src/api/bank-workload';
import type { Transaction } from '../src/txn/client';
import { barChartSvg, lineChartSvg } from './charts';
import { transactions } from './txn-scenario';
import type { PhantomWorld } from './world';

/** Operation kinds a load scenario can ask for, as scenarios name them. */
export const LOAD_OPERATIONS = ['read', 'write', 'transaction', 'transfer'] as const;
export type LoadOperation = (typeof LOAD_OPERATIONS)[number];

/** Bound for the operations still running when the load stops. */
const DRAIN_BOUND_MS = 30_000;
/** A transaction whose outcome is still unknown after this long counts as an error (its client keeps asking). */
const TRANSACTION_PATIENCE_MS = 10_000;
/** Virtual time per scheduler run while the load runs. */
const RUN_SLICE_MS = 10_000;
/** Stress ramps stop here at the latest (every loop has a bound). */
const RAMP_USERS_MAX = 2_000;

/**
 * The load part of a scenario: simulated users on the sharded store (reads, writes,
 * two-key transactions) or on the bank (transfers), the report table, the charts, and
 * the stress ramp. Keys of plain reads and writes and keys of transactions are disjoint,
 * so the linearizability oracle (register model) judges the plain operations exactly.
 */
export class LoadScenario {
  thinkTimeMs = { minMs: 50, maxMs: 200 };
  keys = 200;
  private lastRun: { samples: readonly LoadSample[]; rows: LoadRow[]; windowMs: number } | undefined;
  private lastRamp: { stages: RampStage[]; knee: Knee } | undefined;
  private nextValue = 0;

  constructor(private readonly world: PhantomWorld) {}

  /** Closed-loop users with the given mix for a while; then the report and the charts. */
  run(users: number, shares: Map<LoadOperation, number>, durationMs: number): void {
    const load = this.users(shares);
    const startMs = this.world.sim.nowMs;
    load.setUsers(users);
    // In slices: the scheduler bounds the events of one run (a livelock guard), and minutes
    // of hundreds of users are millions of events.
    for (let leftMs = durationMs; leftMs > 0; leftMs -= RUN_SLICE_MS) this.world.sim.runFor(Math.min(RUN_SLICE_MS, leftMs));
    const endMs = this.world.sim.nowMs;
    this.drain(load);
    const measured = load.samples.filter((sample) => sample.endMs <= endMs);
    const rows = summarize(measured, endMs - startMs, [...shares.keys()].filter((kind) => (shares.get(kind) ?? 0) > 0));
    this.lastRun = { samples: measured, rows, windowMs: endMs - startMs };
    this.world.attachText(`load: ${users} users for ${(durationMs / 1000).toFixed(0)} simulated seconds (latencies in simulated ms)`, formatLoadTable(rows));
    this.attachCharts(measured, startMs, endMs, rows.map((row) => row.kind));
  }

  /** Doubles the users every stage until the threshold is passed; reports the knee. */
  ramp(shares: Map<LoadOperation, number>, fromUsers: number, stageMs: number, threshold: RampThreshold): void {
    if (!(fromUsers >= 1 && fromUsers <= RAMP_USERS_MAX)) throw new RangeError(`a ramp starts with 1 to ${RAMP_USERS_MAX} users, got ${fromUsers}`);
    const load = this.users(shares);
    const stages: RampStage[] = [];
    const startMs = this.world.sim.nowMs;
    for (let users = fromUsers; users <= RAMP_USERS_MAX; users *= 2) {
      load.setUsers(users);
      const stageStartMs = this.world.sim.nowMs;
      for (let leftMs = stageMs; leftMs > 0; leftMs -= RUN_SLICE_MS) this.world.sim.runFor(Math.min(RUN_SLICE_MS, leftMs));
      const stage = judgeStage(load.samples, users, stageStartMs, this.world.sim.nowMs, threshold);
      stages.push(stage);
      if (!stage.withinThreshold) break;
    }
    const endMs = this.world.sim.nowMs;
    this.drain(load);
    const knee = findKnee(stages);
    this.lastRamp = { stages, knee };
    this.world.attachText('stress ramp', formatRamp(stages, threshold));
    this.world.attachSvg(
      lineChartSvg(`Stress ramp: ${threshold.percentile} ${threshold.kind} latency and throughput by users`, 'users', 'ms / ok per s', [
        { name: `${threshold.percentile} ${threshold.kind} latency (ms)`, points: stages.map((stage) => [stage.users, stage.latencyMs ?? null]) },
        { name: 'throughput (ok per simulated s)', points: stages.map((stage) => [stage.users, stage.throughputPerS]) },
      ]),
    );
    this.attachCharts(load.samples.filter((sample) => sample.endMs <= endMs), startMs, endMs, [...shares.keys()].filter((kind) => (shares.get(kind) ?? 0) > 0));
  }

  get rows(): LoadRow[] {
    if (!this.lastRun) throw new Error(`In step "${this.world.currentStep}": run a load first ("… users spend … doing …")`);
    return this.lastRun.rows;
  }

  row(kind: LoadOperation): LoadRow {
    const row = this.rows.find((candidate) => candidate.kind === kind);
    if (!row) throw new Error(`In step "${this.world.currentStep}": the load had no ${kind} operations (it ran ${this.rows.map((candidate) => candidate.kind).join(', ')})`);
    return row;
  }

  get knee(): Knee & { stages: readonly RampStage[] } {
    if (!this.lastRamp) throw new Error(`In step "${this.world.currentStep}": ramp the load first ("… double from … every … until …")`);
    return { ...this.lastRamp.knee, stages: this.lastRamp.stages };
  }

  private users(shares: Map<LoadOperation, number>): LoadUsers {
    return new LoadUsers(this.world.sim, this.operations(), { mix: { shares }, thinkTimeMs: this.thinkTimeMs, usersMax: RAMP_USERS_MAX });
  }

  private drain(load: LoadUsers): void {
    load.stop();
    this.world.waitUntil(() => load.idle, DRAIN_BOUND_MS, 'the simulated users to finish their last operations');
  }

  private attachCharts(samples: readonly LoadSample[], fromMs: number, toMs: number, kinds: readonly string[]): void {
    const widthMs = 5;
    const histograms = kinds.map((kind) => ({ kind, bins: latencyHistogram(samples, kind, widthMs) }));
    const bins = Math.min(60, Math.max(0, ...histograms.map((histogram) => histogram.bins.length)));
    if (bins > 0) {
      const categories = Array.from({ length: bins }, (_, index) => `${index * widthMs}${index === bins - 1 ? '+' : ''}`);
      const values = (histogramBins: { count: number }[]): number[] => categories.map((_, index) => (index < bins - 1 ? (histogramBins[index]?.count ?? 0) : histogramBins.slice(index).reduce((sum, bin) => sum + bin.count, 0)));
      this.world.attachSvg(barChartSvg('Latency histogram (successful operations)', categories, 'latency, simulated ms', 'operations', histograms.map((histogram) => ({ name: histogram.kind, values: values(histogram.bins) }))));
    }
    const bucketMs = Math.max(1_000, Math.ceil((toMs - fromMs) / 60 / 1_000) * 1_000);
    const series = timeSeries(samples, fromMs, toMs, bucketMs);
    const seconds = (ms: number): number => Math.round((ms - fromMs) / 100) / 10;
    this.world.attachSvg(
      lineChartSvg(
        `Latency over virtual time (p50 and p99 per ${bucketMs / 1000} s)`,
        'virtual time, s',
        'latency, simulated ms',
        [...series].flatMap(([kind, buckets]) => [
          { name: `${kind} p50`, points: buckets.map((bucket) => [seconds(bucket.startMs), bucket.p50Ms ?? null] as const) },
          { name: `${kind} p99`, points: buckets.map((bucket) => [seconds(bucket.startMs), bucket.p99Ms ?? null] as const) },
        ]),
      ),
    );
    this.world.attachSvg(
      lineChartSvg(`Throughput over virtual time (successful operations per simulated second)`, 'virtual time, s', 'ok per s', [...series].map(([kind, buckets]) => ({ name: kind, points: buckets.map((bucket) => [seconds(bucket.startMs), bucket.throughputPerS] as const) }))),
    );
  }

  /** Maps each kind onto the real clients: one client per user and per kind of client. */
  private operations(): LoadOperations {
    const database = this.world.cluster.database;
    return {
      start: (kind, user, random, done) => {
        const name = `load-user-${user}`;
        switch (kind as LoadOperation) {
          case 'read': {
            const operation = database.client(name).get(this.key(random));
            return operation.onComplete((ended) => done(ended.outcome === 'ok', ended.reason ?? ended.outcome));
          }
          case 'write': {
            const operation = database.client(name).put(this.key(random), `${name}:${++this.nextValue}`);
            return operation.onComplete((ended) => done(ended.outcome === 'ok', ended.reason ?? ended.outcome));
          }
          case 'transaction':
            return this.transaction(name, random, done);
          case 'transfer':
            return this.transfer(name, random, done);
        }
        throw new Error(`unknown load operation ${kind}`);
      },
    };
  }

  private key(random: SeededRandom): string {
    return `load-key-${1 + random.int(this.keys)}`;
  }

  /** Reads one key and writes another in one transaction (keys apart from the plain ones). */
  private transaction(name: string, random: SeededRandom, done: (ok: boolean, reason?: string) => void): void {
    const txn = transactions(this.world).system.client(name).begin();
    const first = `load-txn-key-${1 + random.int(this.keys)}`;
    const second = `load-txn-key-${1 + random.int(this.keys)}`;
    txn.read(first);
    txn.write(second, `${name}:${++this.nextValue}`);
    txn.commit();
    this.whenTransactionEnds(txn, () => false, done);
  }

  private transfer(name: string, random: SeededRandom, done: (ok: boolean, reason?: string) => void): void {
    const accounts = transactions(this.world).bank.accountKeys;
    const from = accounts[random.int(accounts.length)];
    const to = accounts.filter((key) => key !== from)[random.int(accounts.length - 1)];
    const txn = transactions(this.world).system.client(name).begin();
    const progress = runTransfers(txn, [{ from, to, amount: 1 + random.int(10) }], { commit: true });
    this.whenTransactionEnds(txn, () => progress.declined, done);
  }

  private whenTransactionEnds(txn: Transaction, declined: () => boolean, done: (ok: boolean, reason?: string) => void): void {
    let reported = false;
    const report = (ok: boolean, reason?: string): void => {
      if (reported) return;
      reported = true;
      this.world.sim.scheduler.cancel(patience);
      done(ok, reason);
    };
    const patience = this.world.sim.scheduler.schedule(TRANSACTION_PATIENCE_MS, () => report(false, `no outcome within ${TRANSACTION_PATIENCE_MS} ms`));
    txn.onEnded(() => {
      if (txn.outcome === 'committed') report(true);
      else if (declined()) report(false, 'declined: an account would go below zero');
      else report(false, txn.outcome === 'unknown' ? 'outcome unknown' : (txn.reason ?? 'aborted'));
    });
  }
}

export function loadTest(world: PhantomWorld): LoadScenario {
  return world.part('load', () => new LoadScenario(world));
}

export type { Percentile, RampThreshold };
