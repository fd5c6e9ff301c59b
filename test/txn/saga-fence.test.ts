import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message } from '../../src/runtime/ports';
import { Simulation } from '../../src/sim';
import type { SagaStep, StepContext } from '../../src/txn/saga/definition';
import { type SagaCommand, sagaCommandType } from '../../src/txn/saga/protocol';
import { SagaSystem } from '../../src/api/saga-system';
import { sagaCommandCheck } from '../../src/txn/wire';

/**
 * A step whose last attempt timed out has an unknown outcome: the command may have been
 * applied with only its answer lost (src/txn/saga/orchestrator.ts, src/txn/README.md,
 * "Sagas"). The orchestrator fences the key at the service before it calls the step
 * failed. Found by the saga soak: a charge whose answer was lost stood in a saga whose
 * log said "compensated".
 */

/** The trip saga of two steps against two services, each attempt 100 ms; the card is the pivot and tried once. */
function trip(seed = 7, charge: () => { ok: true; result: string } | { ok: false; reason: string } = () => ({ ok: true, result: 'charged' })) {
  const sim = new Simulation({ seed });
  const sagas = new SagaSystem(sim);
  const step = (service: string, command: string) => (context: StepContext) => context.send(sagas.serviceNode(service), command);
  sagas.addService('hotels', { reserve: () => ({ ok: true, result: 'room 12' }), cancel: () => ({ ok: true, result: 'ok' }) });
  sagas.addService('payments', { charge });
  sagas.define({
    name: 'trip',
    steps: [
      { name: 'room', action: step('hotels', 'reserve'), compensation: step('hotels', 'cancel'), timeoutMs: 100 },
      { name: 'card', action: step('payments', 'charge'), pivot: true, timeoutMs: 100 },
    ],
  });
  sagas.ensureOrchestrator();
  const finish = (sagaId: string) => {
    sim.runUntil(() => sagas.status(sagaId)?.state !== 'running', { withinMs: 10_000, waitingFor: `saga ${sagaId} to finish` });
    return sagas.status(sagaId)!;
  };
  return { sim, sagas, finish, applied: (service: string) => sagas.applications(service).map((application) => application.command) };
}

describe('Saga fences: a timed-out step is settled at its service before it counts as failed', () => {
  it('a pivot applied whose answer was lost completes the saga instead of compensating it', () => {
    const { sim, sagas, finish, applied } = trip();
    // Every answer from payments is lost for 150 ms: the charge applies, its answer never arrives, the attempt times out.
    sim.network.cutOneWay(sagas.serviceNode('payments'), sagas.orchestratorNode);
    sim.scheduler.schedule(150, () => sim.network.heal());
    const status = finish(sagas.start('trip'));
    assert.equal(status.state, 'completed', status.summary);
    assert.deepEqual(applied('payments'), ['charge']);
    assert.deepEqual(applied('hotels'), ['reserve']);
  });

  it('a command that never arrived is fenced: the step fails for good and a late copy is refused', () => {
    const { sim, sagas, finish, applied } = trip();
    // Commands to payments are lost until after the fence: the charge never applies.
    sim.network.cutOneWay(sagas.orchestratorNode, sagas.serviceNode('payments'));
    sim.scheduler.schedule(150, () => sim.network.heal());
    const status = finish(sagas.start('trip'));
    assert.equal(status.state, 'compensated', status.summary);
    assert.deepEqual(applied('payments'), []);
    assert.deepEqual(applied('hotels'), ['reserve', 'cancel']);
    // A delayed copy of the charge, from the orchestrator, arriving now must not apply.
    const late: SagaCommand = { type: sagaCommandType, requestId: 'late-1', idempotencyKey: `${status.sagaId}/card/action`, command: 'charge', args: null };
    sim.network.send(sagas.orchestratorNode, sagas.serviceNode('payments'), late);
    sim.runFor(100);
    assert.equal(sagas.received('payments') >= 2, true, 'the late copy arrived');
    assert.deepEqual(applied('payments'), [], 'the fenced key stays unapplied');
  });

  it('message boundary: a saga command may carry fence true or false, nothing else', () => {
    const command = { requestId: 'r', idempotencyKey: 's/card/action', command: 'charge', args: null };
    assert.equal(sagaCommandCheck(command, 'message'), undefined);
    assert.equal(sagaCommandCheck({ ...command, fence: true }, 'message'), undefined);
    assert.equal(sagaCommandCheck({ ...command, fence: false }, 'message'), undefined);
    assert.match(String(sagaCommandCheck({ ...command, fence: 'yes' }, 'message')), /fence/);
  });
});

describe('Saga orchestrator: answers come from the service asked', () => {
  it("ignores a step's answer from another service that learned the request id, as on a connection", () => {
    const { sim, sagas, finish } = trip(7, () => ({ ok: false, reason: 'declined' }));
    // The hotels service learns each request sent to payments and answers it first, as a success.
    const send = sim.network.send.bind(sim.network);
    let forged = 0;
    sim.network.send = (from, to, message) => {
      send(from, to, message);
      const command = message as unknown as { type: string; requestId: string };
      if (to === sagas.serviceNode('payments') && command.type === sagaCommandType) {
        forged++;
        send(sagas.serviceNode('hotels'), from, { type: 'saga.result', requestId: command.requestId, reply: { ok: true, result: 'forged' } } as Message);
      }
    };
    const status = finish(sagas.start('trip'));
    assert.ok(forged > 0, 'a forged answer was sent');
    assert.equal(status.state, 'compensated', 'the card was declined by payments, whatever hotels said');
  });
});

/**
 * What the orchestrator remembers of its requests is bounded by the attempts running now
 * (src/txn/saga/orchestrator.ts `settle`): an attempt that times out forgets its requests, as
 * one that is answered does. Before, each timed-out attempt's request stayed for good, so a
 * service that stopped answering grew the orchestrator's memory with every retry.
 */
describe('Saga orchestrator: requests of settled attempts are forgotten', () => {
  /** Hotels and payments; the saga `name` reserves a room (undone by a cancel), then runs `card`. */
  function twoSteps(name: string, card: Omit<SagaStep, 'name'>, seed = 7) {
    const sim = new Simulation({ seed });
    const sagas = new SagaSystem(sim);
    sagas.addService('hotels', { reserve: () => ({ ok: true, result: 'room 12' }), cancel: () => ({ ok: true, result: 'ok' }) });
    sagas.addService('payments', { charge: () => ({ ok: true, result: 'charged' }) });
    const room: SagaStep = { name: 'room', action: (context) => context.send(sagas.serviceNode('hotels'), 'reserve'), compensation: (context) => context.send(sagas.serviceNode('hotels'), 'cancel'), timeoutMs: 100 };
    sagas.define({ name, steps: [room, { name: 'card', ...card }] });
    sagas.ensureOrchestrator();
    return { sim, sagas, payments: sagas.serviceNode('payments') };
  }

  it('a service that never answers: after the retries and fences, no request is still remembered', () => {
    const { sim, sagas, payments } = twoSteps('trip', { action: (context) => context.send(payments, 'charge'), timeoutMs: 100, retry: { attemptsMax: 6, backoffInitialMs: 10, backoffMaxMs: 10 } });
    sim.network.cutOneWay(sagas.orchestratorNode, sagas.serviceNode('payments'));
    const sagaId = sagas.start('trip');
    let most = 0;
    sim.runUntil(
      () => {
        most = Math.max(most, sagas.orchestrator()!.pendingRequests);
        return sagas.status(sagaId)?.state !== 'running';
      },
      { withinMs: 60_000, waitingFor: `saga ${sagaId} to finish` },
    );
    const status = sagas.status(sagaId)!;
    assert.notEqual(status.state, 'completed', status.summary);
    assert.equal(most, 1, 'one request (or fence) at a time was remembered while the card was tried 6 times and fenced');
    assert.equal(sagas.orchestrator()!.pendingRequests, 0, `requests still remembered after saga ${sagaId} ended ${status.state}`);
  });

  it('a handler that sends after its attempt timed out sends nothing: no log entry would account for the command', () => {
    // The handler sends 150 ms after its attempt began, when the attempt has timed out.
    const { sim, sagas, payments } = twoSteps('late', { action: (context) => void sim.scheduler.schedule(150, () => context.send(payments, 'charge')), timeoutMs: 100 });
    const sagaId = sagas.start('late');
    sim.runUntil(() => sagas.status(sagaId)?.state !== 'running', { withinMs: 10_000, waitingFor: `saga ${sagaId} to finish` });
    sim.runFor(500);
    assert.equal(sagas.status(sagaId)!.state, 'compensated', sagas.status(sagaId)!.summary);
    assert.deepEqual(sagas.applications('payments').map((application) => application.command), [], 'the late charge never applied');
    assert.equal(sagas.received('payments'), 0, 'the late charge was never sent');
    assert.equal(sagas.orchestrator()!.pendingRequests, 0);
  });
});
