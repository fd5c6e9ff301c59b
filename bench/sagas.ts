import { performance } from 'node:perf_hooks';
import { PhantomCluster } from '../src/api';
import { StoreSagaSystem } from '../src/api/store-sagas';
import { Simulation } from '../src/sim';
import type { StepContext } from '../src/txn/saga/definition';
import { SagaSystem } from '../src/api/saga-system';
import { inventoryService, stockKey } from '../src/txn/saga/trip-services';
import { tripDefinition, tripSteps } from '../src/txn/saga/trip-saga';
import { TransactionSystem } from '../src/api/transaction-system';
import type { BenchRow } from './types';

/** Trip sagas over the store (5 nodes, 3 shards of 3), three orchestrators, one active. */
function startTrips(seed: number): { sim: Simulation; sagas: StoreSagaSystem; txns: TransactionSystem } {
  const sim = new Simulation({ seed });
  const cluster = new PhantomCluster(sim, { clusterName: 'bench', joinToken: 'bench' });
  for (let index = 1; index <= 5; index++) cluster.addNode(`node-${index}`, { seeds: index === 1 ? [] : ['node-1'] });
  sim.runFor(1_000);
  const database = cluster.database;
  database.create({ shards: 3, replicationFactor: 3 });
  sim.runUntil(() => database.shardIds().every((shard) => database.hasStableLeader(shard)), { withinMs: 5_000, waitingFor: 'a leader per shard' });
  const txns = new TransactionSystem(sim, database);
  const sagas = new StoreSagaSystem(sim, database);
  const services = [...new Set(tripSteps.map((step) => step.service))];
  for (const service of services) sagas.addService(inventoryService(service));
  const seeding = txns.client('bench-seed').begin();
  for (const service of services) seeding.write(stockKey(service), '1000000');
  seeding.commit();
  sim.runUntil(() => seeding.settled, { withinMs: 10_000, waitingFor: 'the stocks' });
  sagas.define(tripDefinition('trip', (service) => sagas.serviceNode(service)));
  sagas.startOrchestrators();
  sim.runUntil(() => sagas.activeOrchestrator() !== undefined, { withinMs: 5_000, waitingFor: 'the lease' });
  return { sim, sagas, txns };
}

function finished(sagas: StoreSagaSystem, ids: readonly string[]): boolean {
  return ids.every((id) => {
    const state = sagas.status(id)?.state;
    return state !== undefined && state !== 'running';
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] * 10) / 10;
}

/** One trip at a time, from start to its last log entry, over the store and in memory (same four steps). */
function sequentialTrips(count: number): { storeMs: number; memoryMs: number } {
  const { sim, sagas } = startTrips(1);
  const store: number[] = [];
  for (let trip = 0; trip < count; trip++) {
    const startMs = sim.nowMs;
    const id = sagas.start('trip');
    sim.runUntil(() => finished(sagas, [id]), { withinMs: 20_000, waitingFor: `trip ${id}`, pollMs: 1 });
    store.push(sim.nowMs - startMs);
  }
  const memorySim = new Simulation({ seed: 1 });
  const memory = new SagaSystem(memorySim);
  for (const step of tripSteps) memory.addService(step.service, { reserve: () => ({ ok: true, result: 'ok' }), cancel: () => ({ ok: true, result: 'ok' }) });
  const send = (service: string, command: string) => (context: StepContext) => context.send(memory.serviceNode(service), command);
  memory.define({ name: 'trip', steps: tripSteps.map((step) => ({ name: step.step, action: send(step.service, 'reserve'), compensation: send(step.service, 'cancel') })) });
  const inMemory: number[] = [];
  for (let trip = 0; trip < count; trip++) {
    const startMs = memorySim.nowMs;
    const id = memory.start('trip');
    memorySim.runUntil(() => memory.status(id)?.state !== 'running', { withinMs: 20_000, waitingFor: `trip ${id}`, pollMs: 1 });
    inMemory.push(memorySim.nowMs - startMs);
  }
  return { storeMs: median(store), memoryMs: median(inMemory) };
}

/** `count` trips started at once: simulated time until every one finished, and wall time per trip. */
function concurrentTrips(count: number): { settleMs: number; wallMsPerTrip: number } {
  const { sim, sagas } = startTrips(2);
  const startMs = sim.nowMs;
  const wallStart = performance.now();
  const ids = Array.from({ length: count }, () => sagas.start('trip'));
  sim.runUntil(() => finished(sagas, ids), { withinMs: 120_000, waitingFor: `${count} trips`, pollMs: 5 });
  return { settleMs: Math.round(sim.nowMs - startMs), wallMsPerTrip: Math.round(((performance.now() - wallStart) / count) * 10) / 10 };
}

/** The active orchestrator crashes with trips in flight: simulated time until a standby holds the lease and has scanned. */
function takeover(): number {
  const { sim, sagas } = startTrips(3);
  const first = sagas.activeOrchestrator()!;
  const ids = Array.from({ length: 4 }, () => sagas.start('trip'));
  sim.runUntil(() => ids.every((id) => sagas.status(id) !== undefined), { withinMs: 5_000, waitingFor: 'the starts' });
  sim.runFor(300);
  sim.node(first).crash();
  const crashMs = sim.nowMs;
  sim.runUntil(() => sagas.activeOrchestrator() !== undefined, { withinMs: 30_000, waitingFor: 'a standby to take over' });
  return Math.round(sim.nowMs - crashMs);
}

export function benchSagas(): BenchRow[] {
  const sequential = sequentialTrips(10);
  const concurrent = concurrentTrips(20);
  return [
    { name: 'one 4-step trip over the store, start to finished (median of 10)', value: sequential.storeMs, unit: 'simulated ms', note: `in-memory deployment: ${sequential.memoryMs} simulated ms; ratio ${(sequential.storeMs / sequential.memoryMs).toFixed(1)}x` },
    { name: '20 trips at once over the store: until all finished', value: concurrent.settleMs, unit: 'simulated ms' },
    { name: '20 trips at once over the store: wall time per trip', value: concurrent.wallMsPerTrip, unit: 'ms' },
    { name: 'takeover after the active orchestrator crashes (lease + scan)', value: takeover(), unit: 'simulated ms' },
  ];
}
