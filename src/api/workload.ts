import type { Operation } from '../kv/client-operation';
import type { SeededRandom } from '../sim';
import type { Simulation } from '../sim';
import type { ShardedDatabase } from './database';

export type WorkloadOperationKind = 'read' | 'write' | 'cas';

export interface WorkloadOptions {
  clients: number;
  keys: number;
  kinds: readonly WorkloadOperationKind[];
  /** Pause between one operation's end and the client's next operation. */
  thinkTimeMs: { minMs: number; maxMs: number };
}

export interface WorkloadCounts {
  invoked: number;
  ok: number;
  fail: number;
  unknown: number;
}

/**
 * Jepsen-style clients: each runs one operation at a time on a small set of keys, with
 * unique written values (so a read names the write it saw). Choices come from the
 * workload's own random stream, so adding clients does not disturb the network's or the
 * nodes' randomness.
 */
export class Workload {
  readonly counts: WorkloadCounts = { invoked: 0, ok: 0, fail: 0, unknown: 0 };
  private readonly random: SeededRandom;
  private readonly lastSeen = new Map<string, string | null>();
  private readonly inFlight = new Set<Operation>();
  private running = false;
  private nextValue = 0;
  readonly keyNames: string[];
  readonly clientNames: string[];

  constructor(
    private readonly sim: Simulation,
    private readonly database: ShardedDatabase,
    private readonly options: WorkloadOptions,
  ) {
    if (options.clients < 1 || options.keys < 1 || options.kinds.length === 0) throw new Error('a workload needs clients, keys and operation kinds');
    this.random = sim.random.stream('workload');
    this.keyNames = Array.from({ length: options.keys }, (_, index) => `key-${index + 1}`);
    this.clientNames = Array.from({ length: options.clients }, (_, index) => `client-${index + 1}`);
  }

  start(): void {
    this.running = true;
    for (const name of this.clientNames) this.scheduleNext(name);
  }

  /** No new operations; those in flight still finish (or time out). */
  stop(): void {
    this.running = false;
  }

  get idle(): boolean {
    return this.inFlight.size === 0;
  }

  private scheduleNext(client: string): void {
    const { minMs, maxMs } = this.options.thinkTimeMs;
    this.sim.scheduler.schedule(this.random.between(minMs, maxMs), () => {
      if (this.running) this.issue(client);
    });
  }

  private issue(client: string): void {
    const key = this.random.pick(this.keyNames);
    const kind = this.random.pick(this.options.kinds);
    const kv = this.database.client(client);
    const value = `${client}:${++this.nextValue}`;
    let operation: Operation;
    if (kind === 'read') operation = kv.get(key);
    else if (kind === 'write') operation = kv.put(key, value);
    else operation = kv.cas(key, this.lastSeen.get(`${client}/${key}`) ?? null, value);
    this.counts.invoked++;
    this.inFlight.add(operation);
    operation.onComplete((done) => {
      this.inFlight.delete(done);
      this.counts[done.outcome === 'pending' ? 'unknown' : done.outcome]++;
      this.remember(client, key, done);
      this.scheduleNext(client);
    });
  }

  /** What this client last saw of a key, to make its next cas likely to succeed. */
  private remember(client: string, key: string, operation: Operation): void {
    const result = operation.result;
    if (!result) return;
    const slot = `${client}/${key}`;
    if (result.kind === 'get') this.lastSeen.set(slot, result.value);
    else if (result.kind === 'cas' && !result.ok) this.lastSeen.set(slot, result.actual);
    else if (operation.operation.kind === 'put' || operation.operation.kind === 'cas') this.lastSeen.set(slot, (operation.operation as { value: string }).value);
  }
}
