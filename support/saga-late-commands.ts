import type { TraceEvent } from '../src/sim';
import { tripSteps } from '../src/txn/saga/trip-saga';
import { sagaStore, TRIP } from './saga-store-scenario';
import { transactions } from './txn-scenario';
import type { PhantomWorld } from './world';

/**
 * Commands a saga step sends that arrive long after the orchestrator gave up on them: the
 * late action problem of sagas, which the services' fences exist for
 * (src/txn/saga/store-service.ts: a compensation voids an action that has not applied; a
 * fence command voids a key whose outcome the orchestrator does not know). From the first
 * attempt of the step until an orchestrator gives up on it (it fails the step, or starts
 * fencing its last attempt), every command the orchestrators send to the step's service
 * arrives `lateMs` late; later commands (the compensation, the fence) travel as usual. So
 * a copy of the action arrives after the trip was undone, and must take nothing.
 */
export class SagaLateCommands {
  private armed: { service: string; step: string; lateMs: number } | undefined;
  private windowOpenedAtMs: number | undefined;
  private windowClosedAtMs: number | undefined;

  constructor(private readonly world: PhantomWorld) {
    world.sim.trace.subscribe((event) => this.observe(event));
  }

  delayUntilGivenUp(service: string, step: string, lateMs: number): void {
    const planned = tripSteps.find((candidate) => candidate.step === step);
    if (planned === undefined) throw new Error(`In step "${this.world.currentStep}": the trip has no step "${step}". Steps: ${tripSteps.map((candidate) => candidate.step).join(', ')}.`);
    if (planned.service !== service) throw new Error(`In step "${this.world.currentStep}": step "${step}" is done by the "${planned.service}" service, not "${service}".`);
    if (this.armed !== undefined) throw new Error(`In step "${this.world.currentStep}": late commands are already planned for step "${this.armed.step}"`);
    this.armed = { service, step, lateMs };
  }

  /**
   * A step whose failure is settled by a fence at its service, not by cancelling it: the
   * orchestrator asks the service to settle the last attempt's key before it calls the
   * step failed, and compensates only the steps before it.
   */
  settleFailedStepsByFence(): void {
    const system = sagaStore(this.world).system;
    const definition = system.definition(TRIP);
    if (definition === undefined) throw new Error(`In step "${this.world.currentStep}": the trip saga is not defined yet; set up the services first`);
    system.define({ ...definition, compensateFailedStep: false });
  }

  /** Waits (at most `withinMs`) until every late command has arrived and its transaction ended, then runs the services' oracle. */
  assertWholeAfterLateArrivals(withinMs: number): void {
    if (this.armed === undefined) throw new Error(`In step "${this.world.currentStep}": no step's commands were made late ("Given the commands for step ... reach the ... service ... late")`);
    const scenario = sagaStore(this.world);
    const txns = transactions(this.world).system;
    const lateMs = this.armed.lateMs;
    const lastArrivalMs = (): number => (this.windowClosedAtMs ?? Number.POSITIVE_INFINITY) + lateMs;
    const now = (): string => (this.windowOpenedAtMs === undefined ? `no trip has reached step "${this.armed!.step}" yet, so no command was late` : `the last arrives by ${lastArrivalMs()} ms; ${txns.statusLine()}`);
    this.world.waitUntil(() => this.windowOpenedAtMs !== undefined && this.world.sim.nowMs > lastArrivalMs() && txns.allResolved(), withinMs, () => `a trip to reach step "${this.armed!.step}", its late commands to arrive and their transactions to end (now ${now()})`);
    this.world.attachText('late commands', `commands to the ${this.armed!.service} service were late (+${lateMs} ms) from ${this.windowOpenedAtMs} ms to ${this.windowClosedAtMs} ms; checked at ${this.world.sim.nowMs} ms`);
    scenario.assertSettledAndWhole(0);
  }

  private observe(event: TraceEvent): void {
    const armed = this.armed;
    if (armed === undefined || event.detail?.step !== armed.step || event.detail?.phase !== 'action') return;
    if (event.kind === 'saga.attempt' && this.windowOpenedAtMs === undefined) return this.open(event);
    if ((event.kind === 'saga.step-failed' || event.kind === 'saga.fence') && this.windowOpenedAtMs !== undefined && this.windowClosedAtMs === undefined) this.close(event);
  }

  /** Before the first attempt sends its command (the trace comes first), so that command is late too. */
  private open(event: TraceEvent): void {
    const { service, lateMs } = this.armed!;
    const system = sagaStore(this.world).system;
    for (const orchestrator of system.orchestratorNodes) this.world.sim.network.setLinkLatency(orchestrator, system.serviceNode(service), { kind: 'constant', ms: lateMs });
    this.windowOpenedAtMs = event.timeMs;
  }

  private close(event: TraceEvent): void {
    const system = sagaStore(this.world).system;
    for (const orchestrator of system.orchestratorNodes) this.world.sim.network.clearLinkLatency(orchestrator, system.serviceNode(this.armed!.service));
    this.windowClosedAtMs = event.timeMs;
  }
}

export function sagaLateCommands(world: PhantomWorld): SagaLateCommands {
  return world.part('saga-late-commands', () => new SagaLateCommands(world));
}
