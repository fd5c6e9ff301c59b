import { Nemesis, type FaultKind } from '../src/sim';
import type { SagaStatus } from '../src/txn/saga/orchestrator';
import { auditNemesis } from './nemesis-audit';
import { sagas } from './txn-scenario';
import type { PhantomWorld } from './world';

/**
 * Many sagas under a random fault schedule (the saga soak). Trips are booked at random
 * times while the nemesis crashes, pauses and cuts off the orchestrator and the services
 * and loses and duplicates their messages; then everything heals and every saga must end.
 *
 * The oracle compares two independent records: each saga's durable log (what the
 * orchestrator believes it did and undid) and each service's durable history (what was
 * really applied, once per idempotency key). A step's effect remains at its service when
 * its action was applied and its compensation was not; it must remain exactly for the
 * steps the saga's log reports completed and not undone. A command whose answer was lost
 * and that the log reports as failed, but that the service applied, is caught here.
 */

/** Sagas one run may start: a bound on the scenario's memory and run time. */
export const SAGAS_PER_RUN_MAX = 1_000;
/** While the orchestrator is down, a booking waits this long before trying to start again. */
const START_RETRY_MS = 100;

export interface SagaOutcomeCounts {
  completed: number;
  compensated: number;
  needsAttention: number;
  running: number;
}

export class SagaChaosScenario {
  private readonly started: string[] = [];
  private requested = 0;
  /** The saga booked by "a trip booked after healing ...", if that step ran. */
  private afterHealing: string | undefined;

  constructor(private readonly world: PhantomWorld) {}

  /** Starts `count` sagas at seeded random times over `durationMs` under the nemesis, then heals everything. */
  bookUnderFaults(count: number, durationMs: number, faults: readonly FaultKind[]): void {
    if (!(Number.isInteger(count) && count >= 1 && count <= SAGAS_PER_RUN_MAX)) throw new Error(`In step "${this.world.currentStep}": the number of trips must be a whole number from 1 to ${SAGAS_PER_RUN_MAX}, got ${count}`);
    const scenario = sagas(this.world);
    const system = scenario.system;
    const sim = this.world.sim;
    const random = sim.random.stream('saga-bookings');
    this.requested = count;
    const tryStart = (index: number): void => {
      if (system.orchestrator() === undefined) {
        sim.scheduler.schedule(START_RETRY_MS, () => tryStart(index));
        return;
      }
      this.started.push(system.start(scenario.sagaDefinitionName, { trip: `trip-${index}` }));
    };
    for (let index = 1; index <= count; index++) sim.scheduler.schedule(random.between(0, durationMs), () => tryStart(index));
    const nodes = [system.orchestratorNode, ...scenario.serviceNames.map((service) => system.serviceNode(service))];
    const nemesis = new Nemesis(sim, { nodes, faults });
    const startMs = sim.nowMs;
    nemesis.start();
    sim.runFor(durationMs);
    nemesis.healAll();
    auditNemesis(this.world, { requested: faults, faults: nemesis.log, workloadNodes: nodes, workloadWindowMs: { startMs, endMs: sim.nowMs } });
  }

  /** Waits (at most `withinMs`) until every booking has started and every saga has ended; fails naming those still running. */
  awaitEnded(withinMs: number): void {
    this.requireBookings();
    this.world.waitUntil(() => this.allEnded(), withinMs, () => `every saga to finish (now ${this.started.length} of ${this.requested} started; still running: ${this.runningSummary()})`);
  }

  /** Every booking started and every saga ended, the one booked after healing included. */
  private allEnded(): boolean {
    return this.started.length === this.requested && this.counts().running === 0 && (this.afterHealing === undefined || this.status(this.afterHealing).state !== 'running');
  }

  awaitFinished(withinMs: number): void {
    this.awaitEnded(withinMs);
    const counts = this.counts();
    const reasons = new Map<string, number>();
    for (const sagaId of this.started) {
      const problem = this.status(sagaId).problems[0];
      if (problem !== undefined) reasons.set(`${problem.phase} of "${problem.step}": ${problem.reason}`, (reasons.get(`${problem.phase} of "${problem.step}": ${problem.reason}`) ?? 0) + 1);
    }
    const why = [...reasons].sort((a, b) => b[1] - a[1]).map(([reason, times]) => `  ${times} × ${reason}`);
    this.world.attachText('sagas', [`${this.started.length} sagas: ${counts.completed} completed, ${counts.compensated} compensated, ${counts.needsAttention} need attention, ${counts.running} running`, ...(why.length > 0 ? ['first problem of each saga that did not complete:', ...why] : [])].join('\n'));
  }

  /** Instant: every service's durable history agrees with every saga's log; returns the problems found. */
  mismatches(): string[] {
    this.requireBookings();
    const scenario = sagas(this.world);
    const problems: string[] = [];
    const applied = new Map<string, Map<string, number>>();
    for (const service of scenario.serviceNames) {
      const counts = new Map<string, number>();
      for (const application of scenario.system.applications(service)) counts.set(application.idempotencyKey, (counts.get(application.idempotencyKey) ?? 0) + 1);
      for (const [key, times] of counts) if (times > 1) problems.push(`service "${service}" applied ${key} ${times} times`);
      applied.set(service, counts);
    }
    for (const sagaId of this.started) {
      const status = this.status(sagaId);
      if (status.state === 'running') {
        problems.push(`saga ${sagaId} is still running`);
        continue;
      }
      for (const step of scenario.stepNames) problems.push(...this.judgeStep(sagaId, status, step, applied.get(scenario.serviceOf(step))!));
    }
    return problems;
  }

  private judgeStep(sagaId: string, status: SagaStatus, step: string, applied: ReadonlyMap<string, number>): string[] {
    const done = applied.has(`${sagaId}/${step}/action`);
    const undone = applied.has(`${sagaId}/${step}/compensation`);
    const logSaysLeft = status.completed.includes(step) && !status.compensated.includes(step);
    const service = sagas(this.world).serviceOf(step);
    if (undone && !done) return [`saga ${sagaId} (${status.state}): "${service}" undid step "${step}", which it never applied`];
    if (done && !undone && !logSaysLeft) return [`saga ${sagaId} (${status.summary}): "${service}" applied step "${step}" and never undid it, but the saga's log says it ${status.completed.includes(step) ? 'was undone' : 'did not complete'}`];
    if (logSaysLeft && !(done && !undone)) return [`saga ${sagaId} (${status.state}): the log says step "${step}" completed and stands, but "${service}" ${done ? 'undid it' : 'never applied it'}`];
    return [];
  }

  /** Liveness after healing: one more saga, started now, must complete within the bound. */
  bookOneAfterHealing(withinMs: number): void {
    this.requireBookings();
    const scenario = sagas(this.world);
    this.world.waitUntil(() => scenario.system.orchestrator() !== undefined, withinMs, 'the orchestrator to run again');
    const sagaId = scenario.system.start(scenario.sagaDefinitionName, { trip: 'after healing' });
    this.afterHealing = sagaId;
    this.world.waitUntil(() => this.status(sagaId).state !== 'running', withinMs, () => `saga ${sagaId}, booked after healing, to finish (now ${this.status(sagaId).summary})`);
    const status = this.status(sagaId);
    if (status.state !== 'completed') throw new Error(`saga ${sagaId}, booked after every fault healed, did not complete: ${status.summary}`);
  }

  /**
   * Once every saga has ended and the orchestrator runs (waiting at most `withinMs`), it must
   * remember no request (src/txn/saga/orchestrator.ts `settle`).
   */
  assertNoRequestRemembered(withinMs: number): void {
    this.requireBookings();
    const system = sagas(this.world).system;
    this.world.waitUntil(() => this.allEnded() && system.orchestrator() !== undefined, withinMs, () => `every saga to end and the orchestrator to run (now ${this.counts().running} running, orchestrator ${system.orchestrator() === undefined ? 'down' : 'up'})`);
    const pending = system.orchestrator()!.pendingRequests;
    if (pending !== 0) throw new Error(`the orchestrator still remembers ${pending} requests or fences, though every saga ended (${JSON.stringify(this.counts())})`);
  }

  counts(): SagaOutcomeCounts {
    const counts: SagaOutcomeCounts = { completed: 0, compensated: 0, needsAttention: 0, running: 0 };
    for (const sagaId of this.started) {
      const state = this.status(sagaId).state;
      if (state === 'completed') counts.completed++;
      else if (state === 'compensated') counts.compensated++;
      else if (state === 'needs-attention') counts.needsAttention++;
      else counts.running++;
    }
    return counts;
  }

  private status(sagaId: string): SagaStatus {
    const status = sagas(this.world).system.status(sagaId);
    if (status === undefined) throw new Error(`saga ${sagaId} has no log on the orchestrator's disk`);
    return status;
  }

  private runningSummary(): string {
    const running = this.started.filter((sagaId) => this.status(sagaId).state === 'running');
    return running.length === 0 ? 'none' : running.slice(0, 5).join(', ') + (running.length > 5 ? ` and ${running.length - 5} more` : '');
  }

  private requireBookings(): void {
    if (this.requested === 0) throw new Error(`In step "${this.world.currentStep}": book trips under faults first ("When 40 trips are booked over 20 seconds under random crashes, ...")`);
  }
}

export function sagaChaos(world: PhantomWorld): SagaChaosScenario {
  return world.part('saga-chaos', () => new SagaChaosScenario(world));
}
