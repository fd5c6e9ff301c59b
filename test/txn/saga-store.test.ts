import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { storeSagaWireRules } from '../../src/api/store-sagas';
import { BoundaryCounters, MessageBoundary } from '../../src/runtime/message-boundary';
import type { TraceEvent } from '../../src/sim';
import { Simulation } from '../../src/sim';
import type { SagaDefinition, StepContext } from '../../src/txn/saga/definition';
import { nextMove, replay, type SagaLogEntry } from '../../src/txn/saga/log';
import { type SagaCommand, sagaCommandType } from '../../src/txn/saga/protocol';
import { idempotencyRecordKey } from '../../src/txn/saga/store-service';
import { bookingKey, stockKey } from '../../src/txn/saga/trip-services';
import { SagaSystem } from '../../src/api/saga-system';
import { startSagaStore } from './saga-store-fixture';

/**
 * Sagas over the sharded store: the decisions (pure), the boundary of the saga nodes, the
 * services' idempotency and fencing, the replicated log's fencing, and whole sagas with the
 * active orchestrator or a service's shard leaders crashing. The model: Garcia-Molina and
 * Salem, "Sagas" (1987) §5 (recovery from the saga log: backward recovery compensates
 * the completed steps); the log is fenced by a lease epoch as with Chubby's sequencers
 * (Burrows 2006, §2.4); the services' records are the idempotency keys of Helland, "Life
 * beyond distributed transactions" (2007), §5.
 */

const noop = (): void => undefined;

describe('Saga decisions: the failed step is compensated too, when the definition says so', () => {
  const definition = (compensateFailedStep: boolean): SagaDefinition => ({
    name: 'trip',
    compensateFailedStep,
    steps: ['seat', 'room', 'car'].map((name) => ({ name, action: noop, compensation: noop })),
  });
  const failedAtRoom: SagaLogEntry[] = [
    { t: 'started', definition: 'trip', data: {} },
    { t: 'completed', step: 0, phase: 'action' },
    { t: 'failed', step: 1, phase: 'action', reason: 'timed out', attempts: 4 },
  ];

  it('cancels the step whose attempts timed out (it may have applied), then undoes the ones before it', () => {
    assert.deepEqual(nextMove(replay('s', failedAtRoom), definition(true)), { kind: 'run', step: 1, phase: 'compensation' });
    const cancelled = [...failedAtRoom, { t: 'completed', step: 1, phase: 'compensation' } as const];
    assert.deepEqual(nextMove(replay('s', cancelled), definition(true)), { kind: 'run', step: 0, phase: 'compensation' });
    assert.deepEqual(nextMove(replay('s', [...cancelled, { t: 'completed', step: 0, phase: 'compensation' }]), definition(true)), { kind: 'finish', state: 'compensated' });
  });

  it('without the flag, only the completed steps are undone (the in-memory deployment)', () => {
    assert.deepEqual(nextMove(replay('s', failedAtRoom), definition(false)), { kind: 'run', step: 0, phase: 'compensation' });
  });
});

describe('Message boundary of saga nodes over the store', () => {
  const response = { type: 'txn.client-response', txnId: 'c.1', sequence: 1, reply: { status: 'ok', value: null } };
  const gate = (type: 'saga.command' | 'saga.result', admitted: readonly string[]) => {
    const counters = new BoundaryCounters();
    return { counters, boundary: new MessageBoundary('saga-orchestrator-1', { rules: storeSagaWireRules(type), admitted: (from) => admitted.includes(from), counters }) };
  };

  it("takes transaction answers from the store's nodes, and drops them from anyone else or malformed", () => {
    const { boundary, counters } = gate('saga.result', ['node-1']);
    assert.equal(boundary.accept('node-1', response), true);
    assert.equal(boundary.accept('intruder', response), false);
    assert.equal(boundary.accept('node-1', { ...response, reply: { status: 'committed-twice' } }), false);
    assert.equal(boundary.accept('node-1', { ...response, sequence: 0 }), false);
    assert.equal(counters.byReason('not-admitted'), 1);
    assert.equal(counters.byReason('malformed'), 2);
  });

  it('a service takes commands and no results; an orchestrator takes results and no commands', () => {
    const command = { type: 'saga.command', requestId: 'r/1', idempotencyKey: 'k', command: 'reserve', args: null };
    assert.equal(gate('saga.command', ['saga-orchestrator-1']).boundary.accept('saga-orchestrator-1', command), true);
    assert.equal(gate('saga.result', ['service:flights']).boundary.accept('service:flights', command), false);
  });
});

describe('Services over the store: one commit for the state change and its idempotency record', () => {
  const command = (idempotencyKey: string, name: string, sagaId: string): SagaCommand => ({ type: sagaCommandType, requestId: `test/${idempotencyKey}/${name}`, idempotencyKey, command: name, args: { sagaId, units: 1 } });

  it('the same command delivered twice at once applies once (the second finds the record)', () => {
    const store = startSagaStore(11);
    const service = store.sagas.service('flights')!;
    const reserve = command('t-1/reserve seat/action', 'reserve', 't-1');
    service.onMessage('saga-orchestrator-1', reserve);
    service.onMessage('saga-orchestrator-1', reserve);
    store.sim.runUntil(() => service.counts.applied + service.counts.duplicates + service.counts.refused >= 2 && store.txns.allResolved(), { withinMs: 10_000, waitingFor: 'both copies to be answered' });
    assert.equal(store.sagas.committedValue(stockKey('flights')), '9', 'one seat taken, not two');
    assert.equal(store.sagas.committedValue(bookingKey('flights', 't-1')), 'reserved:1');
    assert.equal(service.counts.applied, 1);
    assert.match(String(store.sagas.committedValue(idempotencyRecordKey('flights', 't-1/reserve seat/action'))), /"applied"/);
  });

  it('a command named like an Object.prototype method is no command: answered as unknown, not run', () => {
    const store = startSagaStore(13);
    const service = store.sagas.service('flights')!;
    for (const name of ['constructor', 'toString', '__proto__']) {
      assert.doesNotThrow(() => service.onMessage('saga-orchestrator-1', command(`t-9/${name}/action`, name, 't-9')), name);
    }
    assert.equal(service.counts.received, 3);
    assert.equal(service.counts.applied + service.counts.refused + service.counts.retried, 0, 'nothing ran');
  });

  it("a compensation that arrives before its action fences it: the late action is refused and takes nothing", () => {
    const store = startSagaStore(12);
    const service = store.sagas.service('hotels')!;
    service.onMessage('saga-orchestrator-1', command('t-2/reserve room/compensation', 'cancel', 't-2'));
    store.sim.runUntil(() => service.counts.applied === 1 && store.txns.allResolved(), { withinMs: 10_000, waitingFor: 'the compensation' });
    service.onMessage('saga-orchestrator-1', command('t-2/reserve room/action', 'reserve', 't-2'));
    store.sim.runUntil(() => service.counts.refused === 1 && store.txns.allResolved(), { withinMs: 10_000, waitingFor: 'the late action to be refused' });
    assert.equal(store.sagas.committedValue(stockKey('hotels')), '10');
    assert.equal(store.sagas.committedValue(bookingKey('hotels', 't-2')), null);
    assert.match(String(store.sagas.committedValue(idempotencyRecordKey('hotels', 't-2/reserve room/action'))), /"voided"/);
  });

  it('a fence (the orchestrator gave up on an attempt it cannot see the end of) voids the key, so the late copy takes nothing', () => {
    const store = startSagaStore(13);
    const service = store.sagas.service('cars')!;
    service.onMessage('saga-orchestrator-1', { ...command('t-3/reserve car/action', 'reserve', 't-3'), args: null, fence: true } as SagaCommand);
    store.sim.runUntil(() => store.txns.allResolved() && store.sagas.committedValue(idempotencyRecordKey('cars', 't-3/reserve car/action')) != null, { withinMs: 10_000, waitingFor: 'the fence' });
    assert.equal(service.counts.applied, 0, 'a fence never runs the command');
    service.onMessage('saga-orchestrator-1', command('t-3/reserve car/action', 'reserve', 't-3'));
    store.sim.runUntil(() => service.counts.refused === 1 && store.txns.allResolved(), { withinMs: 10_000, waitingFor: 'the late action to be refused' });
    assert.equal(store.sagas.committedValue(stockKey('cars')), '10');
    assert.match(String(store.sagas.committedValue(idempotencyRecordKey('cars', 't-3/reserve car/action'))), /"voided"/);
  });
});

describe('The replicated saga log: one orchestrator writes it at a time', () => {
  it('an orchestrator paused past a takeover writes nothing after it, steps down, and every saga still settles whole', () => {
    const store = startSagaStore(13, { flights: 2, hotels: 10, cars: 10, payments: 10_000 });
    const events: TraceEvent[] = [];
    store.sim.trace.subscribe((event) => events.push(event));
    const first = store.sagas.activeOrchestrator()!;
    const ids = [1, 2, 3].map(() => store.sagas.start('trip'));
    store.sim.runFor(200);
    store.sim.node(first).pause();
    store.sim.runUntil(() => store.sagas.activeOrchestrator() !== undefined && store.sagas.activeOrchestrator() !== first, { withinMs: 10_000, waitingFor: 'a standby to take over' });
    const takeoverMs = store.sim.nowMs;
    store.sim.node(first).resume();
    store.settleSagas(ids);
    const lateWrites = events.filter((event) => event.node === first && event.timeMs > takeoverMs && ['saga.step-done', 'saga.step-failed', 'saga.finish', 'saga.start'].includes(event.kind));
    assert.deepEqual(lateWrites.map((event) => `${event.kind} ${JSON.stringify(event.detail)}`), [], 'log entries the old orchestrator made durable after the takeover');
    assert.ok(events.some((event) => event.node === first && event.kind === 'saga.lease.lost'), `${first} noticed it lost the lease`);
    assert.deepEqual(store.oracle(ids).violations, []);
  });
});

describe('A stale orchestrator cannot move a saga: it acts only on what its epoch wrote to the log', () => {
  it('cut off from the store but not from the services, it drives nothing while a standby takes over and compensates', () => {
    const store = startSagaStore(41);
    const first = store.sagas.activeOrchestrator()!;
    const others = store.sagas.orchestratorNodes.filter((node) => node !== first);
    const cars = store.sagas.serviceNode('cars');
    const servers = store.txns.serverNodes();
    const cuts: [string, string][] = [...servers.flatMap((server) => [[first, server], [server, first]]), ...others.flatMap((node) => [[node, cars], [cars, node]])] as [string, string][];
    const sagaId = store.sagas.start('trip');
    // A split brain from the moment the active orchestrator sends "rent car": it still reaches every service, but not the store;
    // the standbys reach the store but not the cars service, so the one that takes over fails "rent car" for good.
    store.sim.trace.subscribe((event) => {
      if (event.kind !== 'saga.attempt' || event.node !== first || event.detail?.step !== 'rent car') return;
      store.sim.scheduler.schedule(0, () => cuts.forEach(([from, to]) => store.sim.network.cutOneWay(from, to)));
    });
    store.sim.runUntil(() => store.sagas.status(sagaId)?.problems.some((problem) => problem.step === 'rent car') === true, { withinMs: 30_000, waitingFor: 'a standby to fail "rent car" for good' });
    cuts.forEach(([from, to]) => store.sim.network.restoreOneWay(from, to));
    store.settleSagas([sagaId], 60_000);
    assert.equal(store.sagas.status(sagaId)?.state, 'compensated', store.sagas.status(sagaId)?.summary);
    assert.deepEqual(store.oracle([sagaId]).violations, []);
    assert.equal(store.sagas.committedValue(stockKey('payments')), '10000', 'the card was never charged');
  });
});

describe('Whole sagas over the store, with crashes', () => {
  it('the active orchestrator crashing at any point of four concurrent trips: a standby resumes them all, nothing half-done', () => {
    for (let crashAfterMs = 0; crashAfterMs <= 1_200; crashAfterMs += 400) {
      const store = startSagaStore(20 + crashAfterMs, { flights: 3, hotels: 10, cars: 10, payments: 200 });
      const first = store.sagas.activeOrchestrator()!;
      const ids = [1, 2, 3, 4].map(() => store.sagas.start('trip'));
      // A start is acknowledged once it is in the replicated log; the crash comes after.
      store.sim.runUntil(() => ids.every((id) => store.sagas.status(id) !== undefined), { withinMs: 5_000, waitingFor: 'the starts to be durable' });
      store.sim.runFor(crashAfterMs);
      store.sim.node(first).crash();
      store.settleSagas(ids, 40_000);
      const report = store.oracle(ids);
      assert.deepEqual(report.violations, [], `crash after ${crashAfterMs} ms`);
      assert.equal(report.completed, 2, `crash after ${crashAfterMs} ms: two trips can pay (200 of credit)`);
      assert.notEqual(store.sagas.activeOrchestrator(), first);
    }
  });

  it("a service's shard leaders crashing while its step runs: the step retries with its key and applies once", () => {
    const store = startSagaStore(31);
    const database = store.cluster.database;
    const ids = [1, 2].map(() => store.sagas.start('trip'));
    store.sim.runUntil(() => store.sagas.status(ids[0])?.completed.includes('reserve seat') === true, { withinMs: 5_000, waitingFor: 'the first step' });
    const shards = [stockKey('hotels'), bookingKey('hotels', ids[0])].map((key) => store.txns.shardOf(key));
    const leaders = [...new Set(shards.map((shard) => database.leaderOf(shard)!))];
    for (const leader of leaders) store.sim.node(leader).crash();
    store.sim.runFor(1_000);
    for (const leader of leaders) store.sim.node(leader).start();
    store.settleSagas(ids);
    const report = store.oracle(ids);
    assert.deepEqual(report.violations, []);
    assert.equal(report.completed, 2);
  });
});

describe('Sagas over the store replay from their seed', () => {
  it('the same seed gives the same trace digest, through a takeover', () => {
    const run = () => {
      const store = startSagaStore(51, { flights: 2, hotels: 10, cars: 10, payments: 10_000 });
      const ids = [1, 2, 3].map(() => store.sagas.start('trip'));
      store.sim.runFor(600);
      store.sim.node(store.sagas.activeOrchestrator()!).crash();
      store.settleSagas(ids);
      return store.sim.trace.digestHex();
    };
    assert.equal(run(), run());
  });
});

describe('The in-memory deployment: a decision is logged before the orchestrator acts on it', () => {
  it('a step that failed for good stays failed after a crash, even if a retry would now succeed', () => {
    const sim = new Simulation({ seed: 5 });
    const sagas = new SagaSystem(sim);
    let cardCalls = 0;
    sagas.addService('shop', {
      reserve: () => ({ ok: true, result: 'ok' }),
      cancel: () => ({ ok: true, result: 'ok' }),
      // Declined the first time only: a retry after a crash would be charged.
      charge: () => (++cardCalls === 1 ? { ok: false, reason: 'declined' } : { ok: true, result: 'charged' }),
    });
    const send = (command: string) => (context: StepContext) => context.send(sagas.serviceNode('shop'), command);
    sagas.define({ name: 'trip', steps: [{ name: 'seat', action: send('reserve'), compensation: send('cancel'), timeoutMs: 100 }, { name: 'card', action: send('charge'), timeoutMs: 100 }] });
    const sagaId = sagas.start('trip');
    // Crash just after the compensation of "seat" reaches the service.
    sim.trace.subscribe((event) => {
      if (event.kind === 'saga.attempt' && event.detail?.phase === 'compensation') sim.scheduler.schedule(4, () => sim.node(sagas.orchestratorNode).crash());
    });
    sim.runUntil(() => sim.node(sagas.orchestratorNode).state !== 'running', { withinMs: 2_000, waitingFor: 'the crash' });
    sim.node(sagas.orchestratorNode).start();
    sim.runUntil(() => sagas.status(sagaId)?.state !== 'running', { withinMs: 5_000, waitingFor: 'the saga to finish' });
    assert.equal(sagas.status(sagaId)?.state, 'compensated', sagas.status(sagaId)?.summary);
    assert.deepEqual(sagas.applications('shop').map((application) => application.command), ['reserve', 'cancel'], 'the card was never charged after the seat was given back');
  });
});
