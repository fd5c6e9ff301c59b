import type { Operation } from '../kv/client-operation';
import type { SeededRandom, Simulation } from '../sim';
import type { ShardedDatabase } from './database';

/** One finished operation as the load's latency picture sees it. */
export interface LatencySample {
  readonly endMs: number;
  readonly latencyMs: number;
  readonly ok: boolean;
}

export interface RampWorkloadOptions {
  /** Most clients that can ever be active (every queue has a limit). */
  readonly maxClients: number;
  readonly keys: number;
  /** Pause between one operation's end and the same client's next one. */
  readonly thinkTimeMs: { readonly minMs: number; readonly maxMs: number };
}

/**
 * A closed-loop client load whose size changes over time (elastic scaling's ramp): up to
 * `maxClients` Jepsen-style clients each run one operation at a time (read, write or
 * compare-and-set of one of `keys` keys, unique written values), and only the first
 * `active` of them issue new operations. More active clients is more offered load; a node
 * that cannot keep up queues requests, so the clients' latency shows it. Every operation
 * goes to the database's shared history (the linearizability and lost-write oracles).
 */
export class RampWorkload {
  readonly samples: LatencySample[] = [];
  readonly keyNames: string[];
  readonly counts = { invoked: 0, ok: 0, fail: 0, unknown: 0 };
  private readonly random: SeededRandom;
  private readonly lastSeen = new Map<string, string | null>();
  private readonly looping = new Set<number>();
  private readonly inFlight = new Set<Operation>();
  private active = 0;
  private nextValue = 0;

  constructor(private readonly sim: Simulation, private readonly database: ShardedDatabase, private readonly options: RampWorkloadOptions) {
    if (!(Number.isInteger(options.maxClients) && options.maxClients >= 1)) throw new RangeError(`a ramp needs a whole number of clients ≥ 1, got ${options.maxClients}`);
    if (!(Number.isInteger(options.keys) && options.keys >= 1)) throw new RangeError(`a ramp needs a whole number of keys ≥ 1, got ${options.keys}`);
    this.random = sim.random.stream('ramp-workload');
    this.keyNames = Array.from({ length: options.keys }, (_, index) => `key-${index + 1}`);
  }

  get activeClients(): number {
    return this.active;
  }

  /** Sets how many clients issue operations; a client above the number finishes its operation and rests. */
  setActiveClients(count: number): void {
    if (!(Number.isInteger(count) && count >= 0 && count <= this.options.maxClients)) {
      throw new RangeError(`the load can have 0 to ${this.options.maxClients} clients, got ${count}`);
    }
    this.active = count;
    for (let index = 0; index < count; index++) {
      if (this.looping.has(index)) continue;
      this.looping.add(index);
      this.scheduleNext(index);
    }
  }

  get idle(): boolean {
    return this.inFlight.size === 0;
  }

  private scheduleNext(index: number): void {
    const { minMs, maxMs } = this.options.thinkTimeMs;
    this.sim.scheduler.schedule(this.random.between(minMs, maxMs), () => {
      if (index < this.active) this.issue(index);
      else this.looping.delete(index);
    });
  }

  private issue(index: number): void {
    const client = `ramp-${index + 1}`;
    const key = this.random.pick(this.keyNames);
    const draw = this.random.next();
    const kv = this.database.client(client);
    const value = `${client}:${++this.nextValue}`;
    const startMs = this.sim.nowMs;
    let operation: Operation;
    if (draw < 0.5) operation = kv.get(key);
    else if (draw < 0.8) operation = kv.put(key, value);
    else operation = kv.cas(key, this.lastSeen.get(`${client}/${key}`) ?? null, value);
    this.counts.invoked++;
    this.inFlight.add(operation);
    operation.onComplete((done) => {
      this.inFlight.delete(done);
      this.counts[done.outcome === 'pending' ? 'unknown' : done.outcome]++;
      this.samples.push({ endMs: this.sim.nowMs, latencyMs: this.sim.nowMs - startMs, ok: done.outcome === 'ok' });
      this.remember(`${client}/${key}`, done);
      this.scheduleNext(index);
    });
  }

  /** What this client last saw of a key, so its next compare-and-set is likely to succeed. */
  private remember(slot: string, operation: Operation): void {
    const result = operation.result;
    if (!result) return;
    if (result.kind === 'get') this.lastSeen.set(slot, result.value);
    else if (result.kind === 'cas' && !result.ok) this.lastSeen.set(slot, result.actual);
    else if (operation.operation.kind === 'put' || operation.operation.kind === 'cas') this.lastSeen.set(slot, (operation.operation as { value: string }).value);
  }
}
