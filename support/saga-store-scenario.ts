import { StoreSagaSystem } from '../src/api/store-sagas';
import type { NodeId } from '../src/runtime/ports';
import { shardForKey } from '../src/sharding/shard-map';
import { type FaultKind, Nemesis, type TraceEvent } from '../src/sim';
import { leaseDefaults } from '../src/txn/saga/orchestrator-lease';
import { checkSagaOutcomes, type OracleReport } from '../src/txn/saga/outcome-oracle';
import { idempotencyRecordKey } from '../src/txn/saga/store-service';
import { sagaLeaseKey, sagaLogKey } from '../src/txn/saga/store-journal';
import { bookingKey, inventoryService, stockKey } from '../src/txn/saga/trip-services';
import { tripDefinition, tripSteps } from '../src/txn/saga/trip-saga';
import { auditNemesis } from './nemesis-audit';
import { registerPicture } from './pictures/registry';
import { type SagaAttemptSpan, sagaTimelineSvg, type TimelineFault } from './pictures/saga-timeline';
import { transactions } from './txn-scenario';
import type { PhantomWorld } from './world';

/** Bound for an orchestrator to hold the lease once the orchestrators start (the first takes it at once). */
export const LEASE_BOUND_MS = 5_000;
/** Bound for every started trip's start to be in the replicated log. */
const START_BOUND_MS = 5_000;
/** How long a crashed shard leader stays down before it restarts. */
const LEADER_DOWN_MS = 1_000;
/** The name of the trip saga's definition. */
export const TRIP = 'trip';

/**
 * The part of a scenario that books trips with sagas over the sharded store: the four
 * trip services with their stocks, the orchestrators (one active by lease), the trips
 * started, the faults the scenario planned (a service's shard leaders or the active
 * orchestrator crashing when a trip reaches a step; random faults), the timeline picture,
 * and the oracle over the services' state, which also runs as a final check.
 */
export class SagaStoreScenario {
  private systemValue: StoreSagaSystem | undefined;
  private readonly stocks = new Map<string, number>();
  readonly sagaIds: string[] = [];
  private readonly spans: SagaAttemptSpan[] = [];
  private readonly open = new Map<string, SagaAttemptSpan>();
  private readonly faults: TimelineFault[] = [];
  private readonly finished = new Map<string, string>();
  /** Takeovers seen in the trace: node, epoch, virtual time. */
  readonly takeovers: { node: string; epoch: number; atMs: number }[] = [];
  /** Planned crashes that happened: what, when, which nodes. */
  readonly crashes: { what: string; atMs: number; nodes: NodeId[]; shards: string[] }[] = [];
  /** Sagas an orchestrator resumed from the replicated log (after a takeover). */
  private readonly resumed: { sagaId: string; atMs: number }[] = [];
  private readonly stepHooks: { step: string; fire: (event: TraceEvent) => void }[] = [];

  constructor(private readonly world: PhantomWorld) {
    world.sim.trace.subscribe((event) => this.observe(event));
    registerPicture(world, 'saga timeline', () => sagaTimelineSvg(this.spans, this.faults, this.finished, this.world.sim.nowMs));
  }

  get system(): StoreSagaSystem {
    if (this.systemValue === undefined) throw new Error(`In step "${this.world.currentStep}": the trip services are not set up; start with "Given trip-booking services that keep their state in the store, with these stocks:"`);
    return this.systemValue;
  }

  // ---- set-up ----------------------------------------------------------------------------------

  /** The four trip services with their stocks, written in one transaction; the store starts if none runs. */
  openServices(rows: readonly { service: string; stock: string }[]): void {
    const wanted = [...new Set(tripSteps.map((step) => step.service))];
    rows.forEach((row, index) => {
      if (!wanted.includes(row.service)) throw new Error(`In step "${this.world.currentStep}", row ${index + 1}: column "service" is ${JSON.stringify(row.service)}. Accepted: ${wanted.join(', ')}.`);
      if (!/^\d+$/.test(row.stock)) throw new Error(`In step "${this.world.currentStep}", row ${index + 1}: column "stock" is ${JSON.stringify(row.stock)}. Accepted: a whole number, 0 or more.`);
      this.stocks.set(row.service, Number(row.stock));
    });
    const missing = wanted.filter((service) => !this.stocks.has(service));
    if (missing.length > 0) throw new Error(`In step "${this.world.currentStep}": the table needs a row for ${missing.join(', ')} (every service of the trip).`);
    const txns = transactions(this.world);
    void txns.system; // starts the default store when none runs
    const system = new StoreSagaSystem(this.world.sim, this.world.cluster.database, { orchestrators: 3, lease: leaseDefaults });
    for (const service of wanted) system.addService(inventoryService(service));
    system.define(tripDefinition(TRIP, (service) => system.serviceNode(service)));
    const txn = txns.system.client('saga-setup').begin();
    for (const [service, stock] of this.stocks) txn.write(stockKey(service), String(stock));
    txns.awaitSettled(txn.commit(), 'the stocks to be written');
    if (txn.outcome !== 'committed') throw new Error(`writing the stocks failed: ${txn.reason}`);
    this.systemValue = system;
    this.world.addFinalCheck('no saga left running and nothing half-done', () => this.assertSettledAndWhole(30_000));
  }

  /** Starts the orchestrator nodes and waits until one holds the lease. */
  startOrchestrators(count: number): void {
    if (count !== 3) throw new Error(`In step "${this.world.currentStep}": ${count} orchestrators asked for; this deployment runs 3 (one active, two standing by).`);
    this.system.startOrchestrators();
    this.world.waitUntil(() => this.system.activeOrchestrator() !== undefined, LEASE_BOUND_MS, 'an orchestrator to hold the saga lease');
  }

  // ---- trips -------------------------------------------------------------------------------------

  /** Starts `count` trips at once on the active orchestrator and waits until each start is in the replicated log. */
  bookTrips(count: number): void {
    const ids = Array.from({ length: count }, () => this.system.start(TRIP, {}));
    this.sagaIds.push(...ids);
    this.world.waitUntil(() => ids.every((id) => this.system.status(id) !== undefined), START_BOUND_MS, `the starts of ${ids.join(', ')} to be in the saga log`);
  }

  /** Books trips, then runs random faults over the store's nodes, the orchestrators and the services for `durationMs`, then heals. */
  bookTripsUnderFaults(count: number, durationMs: number, faults: readonly FaultKind[]): void {
    this.bookTrips(count);
    const nodes = [...this.serverNodes(), ...this.system.orchestratorNodes, ...tripServices().map((service) => this.system.serviceNode(service))];
    const nemesis = new Nemesis(this.world.sim, { nodes, faults, maxNodesDown: 2 });
    const startMs = this.world.sim.nowMs;
    nemesis.start();
    this.world.sim.runFor(durationMs);
    nemesis.healAll();
    for (const fault of nemesis.log) this.faults.push({ atMs: fault.startMs, what: fault.description, kind: 'fault' });
    auditNemesis(this.world, { requested: faults, faults: nemesis.log, workloadNodes: nodes, workloadWindowMs: { startMs, endMs: this.world.sim.nowMs } });
  }

  // ---- planned faults ---------------------------------------------------------------------------

  /** When a trip first reaches the step, the leaders of the shards holding the service's keys for it crash, and restart after a second. */
  crashServiceLeadersAtStep(service: string, step: string): void {
    this.requireStep(step);
    this.onStepStart(step, (event) => {
      const sagaId = String(event.detail?.saga);
      const keys = [stockKey(service), bookingKey(service, sagaId), idempotencyRecordKey(service, `${sagaId}/${step}/action`)];
      const database = this.world.cluster.database;
      const shards = [...new Set(keys.map((key) => shardForKey(database.shardMap, key)!.id))];
      // At most two nodes (a minority of five), so every shard keeps a quorum or gets it back on restart.
      const leaders = [...new Set(shards.map((shard) => database.leaderOf(shard)).filter((node): node is NodeId => node !== undefined))].slice(0, 2);
      const hit = shards.filter((shard) => leaders.includes(database.leaderOf(shard) ?? ''));
      this.crash(`the leaders of ${service}'s shards ${hit.join(', ')} (${leaders.join(', ')}) crash as ${sagaId} reaches "${step}"`, leaders, LEADER_DOWN_MS, hit);
    });
  }

  /** When a trip first reaches the step, the active orchestrator's node crashes (and stays down). */
  crashActiveOrchestratorAtStep(step: string): void {
    this.requireStep(step);
    this.onStepStart(step, (event) => {
      const node = String(event.node);
      this.crash(`the active orchestrator ${node} crashes as ${String(event.detail?.saga)} reaches "${step}"`, [node], undefined);
    });
  }

  /**
   * When a trip first reaches the step, for `durationMs`: the active orchestrator reaches
   * every service but no node of the store, and the other orchestrators reach the store
   * but not the service. A standby takes over and fails the step; the old orchestrator
   * must not drive the trip meanwhile.
   */
  splitBrainAtStep(step: string, service: string, durationMs: number): void {
    this.requireStep(step);
    if (!tripServices().includes(service)) throw new Error(`In step "${this.world.currentStep}": there is no "${service}" service. Services: ${tripServices().join(', ')}.`);
    this.onStepStart(step, (event) => {
      const active = String(event.node);
      const others = this.system.orchestratorNodes.filter((node) => node !== active);
      const target = this.system.serviceNode(service);
      const cuts = [...this.serverNodes().flatMap((server) => [[active, server], [server, active]]), ...others.flatMap((node) => [[node, target], [target, node]])];
      const what = `split brain as ${String(event.detail?.saga)} reaches "${step}": ${active} cut off from the store, ${others.join(' and ')} from ${service}, for ${durationMs} ms`;
      this.crashes.push({ what, atMs: this.world.sim.nowMs, nodes: [], shards: [] });
      this.faults.push({ atMs: this.world.sim.nowMs, what, kind: 'fault' });
      const network = this.world.sim.network;
      this.world.sim.scheduler.schedule(0, () => cuts.forEach(([from, to]) => network.cutOneWay(from, to)));
      this.world.sim.scheduler.schedule(durationMs, () => {
        cuts.forEach(([from, to]) => network.restoreOneWay(from, to));
        this.faults.push({ atMs: this.world.sim.nowMs, what: 'the split brain heals', kind: 'takeover' });
      });
    });
  }

  private crash(what: string, nodes: readonly NodeId[], downMs: number | undefined, shards: readonly string[] = []): void {
    this.crashes.push({ what, atMs: this.world.sim.nowMs, nodes: [...nodes], shards: [...shards] });
    this.faults.push({ atMs: this.world.sim.nowMs, what, kind: 'crash' });
    this.world.sim.scheduler.schedule(0, () => {
      for (const node of nodes) this.world.sim.node(node).crash();
    });
    if (downMs !== undefined) this.world.sim.scheduler.schedule(downMs, () => {
      for (const node of nodes) this.world.sim.node(node).start();
    });
  }

  private onStepStart(step: string, fire: (event: TraceEvent) => void): void {
    this.stepHooks.push({ step, fire });
  }

  private requireStep(step: string): void {
    const steps = tripSteps.map((planned) => planned.step);
    if (!steps.includes(step)) throw new Error(`In step "${this.world.currentStep}": the trip has no step "${step}". Steps: ${steps.join(', ')}.`);
  }

  // ---- what happened ------------------------------------------------------------------------------

  private observe(event: TraceEvent): void {
    const detail = event.detail ?? {};
    const key = `${String(detail.saga)}|${String(detail.step)}|${String(detail.phase)}`;
    switch (event.kind) {
      case 'saga.attempt': {
        const previous = this.open.get(key);
        if (previous !== undefined && previous.endMs === undefined) Object.assign(previous, { endMs: event.timeMs, outcome: 'abandoned' });
        const span: SagaAttemptSpan = { sagaId: String(detail.saga), step: String(detail.step), phase: detail.phase === 'compensation' ? 'compensation' : 'action', startMs: event.timeMs, endMs: undefined, outcome: 'running', node: String(event.node) };
        this.spans.push(span);
        this.open.set(key, span);
        const hook = this.stepHooks.find((candidate) => candidate.step === detail.step && detail.phase === 'action');
        if (hook !== undefined) {
          this.stepHooks.splice(this.stepHooks.indexOf(hook), 1);
          hook.fire(event);
        }
        return;
      }
      case 'saga.attempt-failed':
        return this.close(key, event.timeMs, 'retried');
      case 'saga.step-done':
        return this.close(key, event.timeMs, 'done');
      case 'saga.step-failed': {
        const span = this.open.get(key);
        if (span !== undefined) span.outcome = 'failed';
        return;
      }
      case 'saga.resume':
        this.resumed.push({ sagaId: String(detail.saga), atMs: event.timeMs });
        return;
      case 'saga.finish':
        this.finished.set(String(detail.saga), String(detail.state));
        return;
      case 'saga.lease.taken':
        this.takeovers.push({ node: String(event.node), epoch: Number(detail.epoch), atMs: event.timeMs });
        this.faults.push({ atMs: event.timeMs, what: `${String(event.node)} takes the saga lease (epoch ${String(detail.epoch)})`, kind: 'takeover' });
        return;
    }
  }

  private close(key: string, atMs: number, outcome: SagaAttemptSpan['outcome']): void {
    const span = this.open.get(key);
    if (span === undefined || (span.endMs !== undefined && outcome !== 'done')) return;
    span.endMs ??= atMs;
    span.outcome = outcome;
  }

  // ---- oracles -------------------------------------------------------------------------------------

  /** Waits (at most `withinMs`) until every trip's log says it finished and no transaction holds locks; then judges the services' state. */
  assertSettledAndWhole(withinMs: number): OracleReport {
    if (this.systemValue === undefined || this.sagaIds.length === 0) return { violations: [], completed: 0, compensated: 0, undone: 0, voided: 0 };
    const txns = transactions(this.world).system;
    this.world.waitUntil(() => this.allFinished() && txns.allResolved(), withinMs, () => `every trip to finish and every lock to be released (now ${this.describe()}; ${txns.statusLine()})`);
    const report = this.oracle();
    if (report.violations.length > 0) throw new Error(`the services' state shows ${report.violations.length} problem(s):\n${report.violations.map((line) => `- ${line}`).join('\n')}\n${this.describe()}`);
    return report;
  }

  oracle(): OracleReport {
    const system = this.system;
    return checkSagaOutcomes({
      sagas: this.sagaIds.map((sagaId) => {
        const status = system.status(sagaId);
        return { sagaId, state: status?.state, summary: status?.summary ?? 'no log', steps: tripSteps };
      }),
      initialStock: this.stocks,
      read: (key) => system.committedValue(key) ?? null,
    });
  }

  /** Every trip's replicated log says it finished (completed, compensated or needing a person). */
  allFinished(): boolean {
    return this.sagaIds.every((sagaId) => {
      const state = this.system.status(sagaId)?.state;
      return state !== undefined && state !== 'running';
    });
  }

  /** Each trip's state, for failure messages and the report. */
  describe(): string {
    const lease = this.system.committedValue(sagaLeaseKey) ?? 'no lease';
    const trips = this.sagaIds.map((sagaId) => `${sagaId}: ${this.system.status(sagaId)?.summary ?? `no log (${String(this.system.committedValue(sagaLogKey(sagaId)))})`}`);
    return [`lease ${lease}; active orchestrator ${this.system.activeOrchestrator() ?? 'none'}`, ...trips].join('\n');
  }

  /** Trips resumed from the log after the given virtual time. */
  adoptedAfter(atMs: number): number {
    return new Set(this.resumed.filter((resume) => resume.atMs > atMs).map((resume) => resume.sagaId)).size;
  }

  /** Shards of the crash whose leader is now elected after it (each must be, for "new leaders"), and those not. */
  shardsReelectedAfter(crash: { atMs: number; shards: readonly string[] }): { reelected: string[]; not: string[] } {
    const database = this.world.cluster.database;
    const reelected = crash.shards.filter((shard) => database.elections(shard).some((election) => election.atMs > crash.atMs) && database.leaderOf(shard) !== undefined);
    return { reelected, not: crash.shards.filter((shard) => !reelected.includes(shard)) };
  }

  countIn(state: 'completed' | 'compensated'): number {
    return this.sagaIds.filter((sagaId) => this.system.status(sagaId)?.state === state).length;
  }

  private serverNodes(): NodeId[] {
    return transactions(this.world).system.serverNodes();
  }
}

function tripServices(): string[] {
  return [...new Set(tripSteps.map((step) => step.service))];
}

export function sagaStore(world: PhantomWorld): SagaStoreScenario {
  return world.part('saga-store', () => new SagaStoreScenario(world));
}
