import { performance } from 'node:perf_hooks';
import { startStore } from './consensus';
import type { Operation } from '../src/kv/client-operation';
function openLoop(nodes: number, opsPerSecond: number, simulatedMs: number) {
  const { sim, cluster } = startStore(11, nodes);
  const clients = Array.from({ length: 50 }, (_, index) => cluster.database.client(`load-${index}`));
  const intervalMs = 1000 / opsPerSecond;
  let issued = 0; let committed = 0;
  const count = (operation: Operation): void => { if (operation.outcome === 'ok') committed++; };
  const issue = (): void => { clients[issued % clients.length].put(`key-${issued % 64}`, String(issued), count); issued++; sim.scheduler.schedule(intervalMs, issue); };
  issue();
  const d0 = sim.network.totals().delivered; const e0 = sim.scheduler.eventsExecuted;
  const start = performance.now();
  sim.runFor(simulatedMs);
  const wallMs = performance.now() - start;
  const delivered = sim.network.totals().delivered - d0;
  console.log({ wallMs, committed, usPerWrite: wallMs*1000/committed, delPerWrite: delivered/committed, eventsPerWrite: (sim.scheduler.eventsExecuted-e0)/committed });
}
for (const ms of (process.env.RUNS ?? '20000,100000').split(',')) openLoop(5, 1000, Number(ms));
