/**
 * An open-loop client workload: every region issues operations at a fixed rate, spread
 * over the keyspaces given, with a mix that suits each strategy (puts and some deletes for
 * last-writer-wins; read-modify-writes for multi-value, so siblings come only from
 * concurrency between regions; increments and decrements for counters; adds and removes
 * for sets). Drawn from its own seeded stream.
 */
import type { SeededRandom } from '../sim';
import type { RegionId } from './causal-context';
import type { ClientCall } from './client';
import type { StrategyKind } from './strategies';

export interface WorkloadSpec {
  /** Operations each region issues per second of virtual time. */
  readonly ratePerRegionPerSecond: number;
  readonly keyspaces: readonly string[];
  readonly keysPerKeyspace: number;
  readonly regions: readonly RegionId[];
}

export interface WorkloadTarget {
  kindOf(keyspace: string): StrategyKind;
  submit(region: RegionId, call: ClientCall): void;
  schedule(delayMs: number, callback: () => void): void;
}

const SET_ELEMENTS = ['red', 'green', 'blue', 'amber', 'violet', 'teal', 'ochre', 'slate'];

export class Workload {
  private running = false;
  private generation = 0;
  private sequence = 0;
  issued = 0;

  constructor(
    private readonly target: WorkloadTarget,
    private readonly spec: WorkloadSpec,
    private readonly random: SeededRandom,
  ) {
    if (!(spec.ratePerRegionPerSecond > 0)) throw new RangeError(`the rate must be > 0, got ${spec.ratePerRegionPerSecond}`);
    if (spec.keyspaces.length === 0) throw new RangeError('the workload needs at least one keyspace');
    if (!(spec.keysPerKeyspace >= 1)) throw new RangeError('the workload needs at least one key per keyspace');
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const generation = ++this.generation;
    const intervalMs = 1000 / this.spec.ratePerRegionPerSecond;
    for (const region of this.spec.regions) {
      this.target.schedule(this.random.between(0, intervalMs), () => this.tick(region, intervalMs, generation));
    }
  }

  stop(): void {
    this.running = false;
    this.generation++;
  }

  private tick(region: RegionId, intervalMs: number, generation: number): void {
    if (generation !== this.generation) return;
    this.target.submit(region, this.nextCall(region));
    this.issued++;
    this.target.schedule(intervalMs, () => this.tick(region, intervalMs, generation));
  }

  private nextCall(region: RegionId): ClientCall {
    const keyspace = this.random.pick(this.spec.keyspaces);
    const key = `k${this.random.int(this.spec.keysPerKeyspace)}`;
    const unique = `${region}#${++this.sequence}`;
    switch (this.target.kindOf(keyspace)) {
      case 'lww':
        return { keyspace, key, operation: this.random.chance(0.1) ? { kind: 'delete' } : { kind: 'put', value: unique } };
      case 'multi-value':
        return { keyspace, key, operation: { kind: 'put', value: unique }, session: { replaceLocal: true } };
      case 'pn-counter': {
        const amount = 1 + this.random.int(5);
        return { keyspace, key, operation: { kind: 'increment', amount: this.random.chance(0.25) ? -amount : amount } };
      }
      case 'or-set': {
        const element = this.random.pick(SET_ELEMENTS);
        return { keyspace, key, operation: this.random.chance(0.6) ? { kind: 'add', element } : { kind: 'remove', element } };
      }
    }
  }
}
