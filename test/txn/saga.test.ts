import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Simulation } from '../../src/sim';
import { backoffMs, type SagaDefinition, type StepContext, validateDefinition } from '../../src/txn/saga/definition';
import { nextMove, replay, type SagaLogEntry } from '../../src/txn/saga/log';
import { SagaSystem } from '../../src/api/saga-system';

/**
 * Sagas: the decisions taken from a log (pure), the definition rules, and the
 * orchestrator in the simulator crashed at every point of a saga.
 */

const noop = (): void => undefined;
const definition: SagaDefinition = {
  name: 'trip',
  steps: [
    { name: 'seat', action: noop, compensation: noop },
    { name: 'room', action: noop, compensation: noop },
    { name: 'card', action: noop, pivot: true },
    { name: 'tickets', action: noop, retry: { attemptsMax: 3, backoffInitialMs: 10, backoffMaxMs: 100 } },
  ],
};

function log(...entries: SagaLogEntry[]): SagaLogEntry[] {
  return [{ t: 'started', definition: 'trip', data: {} }, ...entries];
}

describe('Saga decisions from the log', () => {
  it('goes forward step by step, then completes', () => {
    assert.deepEqual(nextMove(replay('s', log()), definition), { kind: 'run', step: 0, phase: 'action' });
    const done = log(...[0, 1, 2, 3].map((step): SagaLogEntry => ({ t: 'completed', step, phase: 'action' })));
    assert.deepEqual(nextMove(replay('s', done), definition), { kind: 'finish', state: 'completed' });
  });

  it('resumes an attempt a crash cut short', () => {
    const progress = replay('s', log({ t: 'attempt', step: 0, phase: 'action', attempt: 1 }, { t: 'completed', step: 0, phase: 'action' }, { t: 'attempt', step: 1, phase: 'action', attempt: 1 }));
    assert.deepEqual(progress.inFlight, { step: 1, phase: 'action', attempt: 1 });
    assert.deepEqual(nextMove(progress, definition), { kind: 'run', step: 1, phase: 'action' });
  });

  it('a failure before or at the pivot compensates the completed steps in reverse order', () => {
    const failed = log({ t: 'completed', step: 0, phase: 'action' }, { t: 'completed', step: 1, phase: 'action' }, { t: 'failed', step: 2, phase: 'action', reason: 'declined', attempts: 1 });
    assert.deepEqual(nextMove(replay('s', failed), definition), { kind: 'run', step: 1, phase: 'compensation' });
    const one = [...failed, { t: 'completed', step: 1, phase: 'compensation' } as const];
    assert.deepEqual(nextMove(replay('s', one), definition), { kind: 'run', step: 0, phase: 'compensation' });
    const both = [...one, { t: 'completed', step: 0, phase: 'compensation' } as const];
    assert.deepEqual(nextMove(replay('s', both), definition), { kind: 'finish', state: 'compensated' });
  });

  it('a compensation that fails for good is skipped over, and the saga needs attention', () => {
    const entries = log(
      { t: 'completed', step: 0, phase: 'action' },
      { t: 'completed', step: 1, phase: 'action' },
      { t: 'failed', step: 2, phase: 'action', reason: 'declined', attempts: 1 },
      { t: 'failed', step: 1, phase: 'compensation', reason: 'down', attempts: 3 },
    );
    assert.deepEqual(nextMove(replay('s', entries), definition), { kind: 'run', step: 0, phase: 'compensation' });
    const finished = [...entries, { t: 'completed', step: 0, phase: 'compensation' } as const];
    assert.deepEqual(nextMove(replay('s', finished), definition), { kind: 'finish', state: 'needs-attention' });
  });

  it('a failure after the pivot cannot be undone: the saga needs attention', () => {
    const entries = log(...[0, 1, 2].map((step): SagaLogEntry => ({ t: 'completed', step, phase: 'action' })), { t: 'failed', step: 3, phase: 'action', reason: 'mail down', attempts: 3 });
    assert.deepEqual(nextMove(replay('s', entries), definition), { kind: 'finish', state: 'needs-attention' });
  });

  it('definitions: one pivot at most, retriable steps after it; back-off doubles from the first wait', () => {
    assert.throws(() => validateDefinition({ name: 'x', steps: [{ name: 'a', action: noop, pivot: true }, { name: 'b', action: noop }] }), /must be retriable/);
    assert.throws(() => validateDefinition({ name: 'x', steps: [{ name: 'a', action: noop, pivot: true }, { name: 'a', action: noop }] }), /same name/);
    const policy = { attemptsMax: 6, backoffInitialMs: 100, backoffMaxMs: 350 };
    assert.deepEqual([2, 3, 4, 5].map((attempt) => backoffMs(policy, attempt)), [100, 200, 350, 350]);
  });
});

describe('Saga orchestrator crashed at any moment', () => {
  /** Runs the trip saga against four services, crashing the orchestrator at `crashAtMs` and restarting it 50 ms later. */
  function run(crashAtMs: number | undefined, failCard: boolean) {
    const sim = new Simulation({ seed: 7 });
    const sagas = new SagaSystem(sim);
    const calls: string[] = [];
    const step = (name: string, service: string, command: string) => (context: StepContext) => {
      calls.push(`${name} ${context.phase}`);
      context.send(sagas.serviceNode(service), command);
    };
    for (const service of ['flights', 'hotels', 'payments', 'mail']) {
      sagas.addService(service, {
        reserve: () => ({ ok: true, result: 'ok' }),
        cancel: () => ({ ok: true, result: 'ok' }),
        charge: () => (failCard ? { ok: false, reason: 'declined' } : { ok: true, result: 'ok' }),
        send: () => ({ ok: true, result: 'ok' }),
      });
    }
    sagas.define({
      name: 'trip',
      steps: [
        { name: 'seat', action: step('seat', 'flights', 'reserve'), compensation: step('seat', 'flights', 'cancel'), timeoutMs: 100 },
        { name: 'room', action: step('room', 'hotels', 'reserve'), compensation: step('room', 'hotels', 'cancel'), timeoutMs: 100 },
        { name: 'card', action: step('card', 'payments', 'charge'), pivot: true, timeoutMs: 100 },
        { name: 'tickets', action: step('tickets', 'mail', 'send'), retry: { attemptsMax: 3, backoffInitialMs: 10, backoffMaxMs: 100 }, timeoutMs: 100 },
      ],
    });
    const sagaId = sagas.start('trip');
    if (crashAtMs !== undefined) {
      sim.scheduler.schedule(crashAtMs, () => sim.node(sagas.orchestratorNode).crash());
      sim.scheduler.schedule(crashAtMs + 50, () => sim.node(sagas.orchestratorNode).start());
    }
    sim.runUntil(() => sagas.status(sagaId)?.state !== 'running' && sim.node(sagas.orchestratorNode).state === 'running', { withinMs: 5_000, waitingFor: 'the saga to finish' });
    return { status: sagas.status(sagaId)!, calls, applied: (service: string) => sagas.applications(service).map((application) => application.command) };
  }

  it('completes with every command applied once, wherever the crash falls', () => {
    const reference = run(undefined, false);
    assert.equal(reference.status.state, 'completed');
    for (let crashAtMs = 0; crashAtMs <= 30; crashAtMs += 0.5) {
      const outcome = run(crashAtMs, false);
      assert.equal(outcome.status.state, 'completed', `crash at ${crashAtMs} ms: ${outcome.status.summary}`);
      for (const [service, command] of [['flights', 'reserve'], ['hotels', 'reserve'], ['payments', 'charge'], ['mail', 'send']]) {
        assert.deepEqual(outcome.applied(service), [command], `crash at ${crashAtMs} ms: ${service}`);
      }
      // A step whose completion was logged is never asked again: at most the one in flight repeats.
      assert.ok(outcome.calls.length <= reference.calls.length + 1, `crash at ${crashAtMs} ms: calls ${outcome.calls.join(', ')}`);
    }
  });

  it('compensates in reverse order, each compensation applied once, wherever the crash falls', () => {
    for (let crashAtMs = 0; crashAtMs <= 40; crashAtMs += 0.5) {
      const outcome = run(crashAtMs, true);
      assert.equal(outcome.status.state, 'compensated', `crash at ${crashAtMs} ms: ${outcome.status.summary}`);
      assert.deepEqual(outcome.status.compensated, ['room', 'seat']);
      assert.deepEqual(outcome.applied('flights'), ['reserve', 'cancel']);
      assert.deepEqual(outcome.applied('hotels'), ['reserve', 'cancel']);
      assert.deepEqual(outcome.applied('mail'), []);
    }
  });
});
