import { checkSagaOutcomes, type OracleReport } from '../../src/txn/saga/outcome-oracle';
import { StoreSagaSystem } from '../../src/api/store-sagas';
import { inventoryService, stockKey } from '../../src/txn/saga/trip-services';
import { tripDefinition, tripSteps } from '../../src/txn/saga/trip-saga';
import { startStore, type TxnFixture } from './fixture';

/** A store with the four trip services, their stocks, and three orchestrators of which one holds the lease. */
export interface SagaStoreFixture extends TxnFixture {
  readonly sagas: StoreSagaSystem;
  readonly stock: ReadonlyMap<string, number>;
  /** Runs until every saga's log says it finished and no transaction holds locks. */
  settleSagas(ids: readonly string[], withinMs?: number): void;
  oracle(ids: readonly string[]): OracleReport;
}

export function startSagaStore(seed: number, stock: Record<string, number> = { flights: 10, hotels: 10, cars: 10, payments: 10_000 }): SagaStoreFixture {
  const fixture = startStore(seed);
  const sagas = new StoreSagaSystem(fixture.sim, fixture.cluster.database);
  for (const service of Object.keys(stock)) sagas.addService(inventoryService(service));
  fixture.seed(Object.fromEntries(Object.entries(stock).map(([service, units]) => [stockKey(service), String(units)])));
  sagas.define(tripDefinition('trip', (service) => sagas.serviceNode(service)));
  sagas.startOrchestrators();
  fixture.sim.runUntil(() => sagas.activeOrchestrator() !== undefined, { withinMs: 5_000, waitingFor: 'an orchestrator to hold the lease' });
  return {
    ...fixture,
    sagas,
    stock: new Map(Object.entries(stock)),
    settleSagas(ids, withinMs = 30_000) {
      fixture.sim.runUntil(() => ids.every((id) => sagas.status(id)?.state !== undefined && sagas.status(id)?.state !== 'running') && fixture.txns.allResolved(), {
        withinMs,
        waitingFor: () => `the sagas to finish (now ${ids.map((id) => `${id} ${sagas.status(id)?.state ?? 'no log'}`).join(', ')})`,
      });
    },
    oracle(ids) {
      return checkSagaOutcomes({
        sagas: ids.map((sagaId) => {
          const status = sagas.status(sagaId);
          return { sagaId, state: status?.state, summary: status?.summary ?? 'no log', steps: tripSteps };
        }),
        initialStock: new Map(Object.entries(stock)),
        read: (key) => sagas.committedValue(key) ?? null,
      });
    },
  };
}
