/**
 * The georeplication facade used by step definitions and benchmarks (the API layer for
 * this component): it builds one replica node and one client node per region on the
 * simulation, wires the region latency matrix into the network, runs client operations,
 * injects region-level faults, and answers questions: values per region, convergence,
 * replication lag, clock verdicts and anti-entropy sessions.
 *
 * Node names: the replica of region `us-east` is node `us-east`; its clients run on node
 * `us-east-client`, 1 ms away (in-region latency).
 */
import {
  assertConvergedWithin,
  checkConvergence,
  checkCounters,
  checkLastWriterWins,
  type ConvergenceReport,
  explainCounterViolations,
  explainLwwViolations,
  type ReplicaSnapshot,
} from '../check/convergence';
import { AuditLog } from '../auth/audit';
import { BoundaryCounters, MessageBoundary } from '../runtime/message-boundary';
import { NodeRuntime } from '../runtime/node-runtime';
import { geoClientRules, geoRegionClientRules, geoReplicaRules } from '../georep/wire';
import type { WireRule } from '../runtime/message-boundary';
import type { NodeEnv, NodeId } from '../runtime/ports';
import { RegionLatencyMatrix, type Simulation } from '../sim';
import type { AntiEntropyEvent } from '../georep/anti-entropy';
import { type CausalContext, type RegionId } from '../georep/causal-context';
import { GeoChaos, type GeoChaosOptions } from './geo-chaos';
import type { VerdictChange } from '../georep/clock-monitor';
import { type ClientCall, GeoClientProcess, type ClientResult } from '../georep/client';
import { type GeoTuning, KeyspaceCatalog, resolveGeoTuning } from '../georep/config';
import { compareHlc, formatHlc, type HlcTimestamp } from '../georep/hlc';
import { OperationHistory } from '../georep/history';
import { splitFullKey } from '../georep/key-store';
import { formatTable, LagRecorder } from '../georep/lag';
import { renderLagSvg } from '../georep/lag-svg';
import { GEO_NAMESPACE } from '../georep/messages';
import type { DeliveryReport, GeoDeployment, PeerClockRow, RegionContext, RegionData, RegionServers } from './geo-deployment';
import type { RegionNodeObserver } from '../georep/region-node';
import { RegionReplica, type ReplicaObserver } from '../georep/replica';
import { canonicalState, type GeoOperation, type GeoValue, readState, renderValue, type StrategyKind } from '../georep/strategies';
import { Workload, type WorkloadSpec } from '../georep/workload';

export interface RegionLatency {
  readonly from: RegionId;
  readonly to: RegionId;
  /** One-way latency; a pair given once applies both ways. */
  readonly latencyMs: number;
}

export interface GeoClusterOptions {
  readonly regions: readonly RegionId[];
  readonly latencies: readonly RegionLatency[];
  readonly inRegionLatencyMs?: number;
  readonly tuning?: Partial<GeoTuning>;
  /** Virtual ms between replication-lag samples (default 100). */
  readonly lagSampleMs?: number;
  /** What serves each region: one node per region by default (see deployment.ts). */
  readonly deployment?: GeoDeployment;
}

export class GeoOperationError extends Error {
  constructor(
    message: string,
    readonly unavailable: boolean,
  ) {
    super(message);
    this.name = 'GeoOperationError';
  }
}

/** A client's causal memory: the latest timestamp it saw, and per key the multi-value context it read. */
export class GeoSession {
  after: HlcTimestamp | undefined;
  readonly contexts = new Map<string, CausalContext>();

  constructor(readonly name: string) {}

  observe(fullKey: string, result: ClientResult): void {
    if (!result.ok) return;
    if (this.after === undefined || compareHlc(result.timestamp, this.after) > 0) this.after = result.timestamp;
    if (result.context !== undefined) this.contexts.set(fullKey, result.context);
  }
}

export interface OperationHandle {
  readonly issuedAtMs: number;
  done: boolean;
  result?: ClientResult;
}

export interface AntiEntropySession {
  readonly session: string;
  readonly initiator: RegionId;
  readonly responder: RegionId;
  readonly startedAtMs: number;
  finishedAtMs?: number;
  /** Keys whose states differed between the two regions when the session started (ground truth). */
  keysDifferingAtStart?: number;
  treeNodesCompared: number;
  leavesDiffering: number;
  digestsSent: number;
  /** Key states sent, both directions (a key both sides changed counts twice). */
  keysExchanged: number;
  distinctKeysExchanged: Set<string>;
  /** The responder was in another session and declined this one. */
  declinedAsBusy?: boolean;
}

export interface ClockEvent {
  readonly atMs: number;
  readonly region: RegionId;
  readonly peer: RegionId;
  readonly verdict: 'accepted' | 'refused' | 'timestamp refused';
  readonly offsetMs: number;
  readonly maxOffsetMs: number;
}

export interface VisibilityRecord {
  readonly region: RegionId;
  /** Virtual ms from the write being issued to the value being readable there. */
  readonly afterMs: number;
}

/** How often a role change waits for a region whose replica is down. */
const ROLE_CHANGE_RETRY_MS = 50;

const REGION_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

export class GeoCluster {
  readonly regions: readonly RegionId[];
  readonly catalog = new KeyspaceCatalog();
  readonly tuning: GeoTuning;
  readonly history = new OperationHistory();
  readonly lag: LagRecorder;
  readonly clockEvents: ClockEvent[] = [];
  readonly antiEntropySessions = new Map<string, AntiEntropySession>();
  /** Messages the replicas and clients dropped at their boundary (not a peer, malformed, forged region). */
  readonly boundaryDrops = new BoundaryCounters();
  /** Client requests the regions refused for want of a permission (and refused role changes). */
  readonly audit: AuditLog;
  private readonly latency = new Map<string, number>();
  private inRegionLatencyMs = 1;
  private readonly sessions = new Map<string, GeoSession>();
  private readonly lastIssued = new Map<string, number>();
  /** Multi-value keys: the most versions (siblings) any region ever held at once. */
  readonly versionsSeenMax = new Map<string, number>();
  private workload: Workload | undefined;
  private chaosRunner: GeoChaos | undefined;
  readonly deployment: GeoDeployment;
  private readonly serversByRegion = new Map<RegionId, RegionServers>();
  private readonly shardSequences: ShardSequences;

  constructor(
    readonly sim: Simulation,
    options: GeoClusterOptions,
  ) {
    this.regions = [...options.regions];
    if (this.regions.length < 1) throw new Error('a georeplicated cluster needs at least one region');
    for (const region of this.regions) if (!REGION_NAME.test(region)) throw new Error(`a region name is lower case with dashes, e.g. "us-east"; got ${JSON.stringify(region)}`);
    if (new Set(this.regions).size !== this.regions.length) throw new Error(`a region is listed twice: ${this.regions.join(', ')}`);
    this.tuning = resolveGeoTuning(options.tuning);
    this.audit = new AuditLog(() => this.sim.nowMs);
    this.lag = new LagRecorder(this.regions);
    this.shardSequences = new ShardSequences(this.lag, () => this.sim.nowMs);
    this.deployment = options.deployment ?? new OneNodePerRegion(this.boundaryDrops);
    const replicaObserver = this.observer();
    const regionObserver = this.regionObserver(replicaObserver);
    for (const region of this.regions) {
      const peers = this.regions.filter((other) => other !== region).map((other) => ({ region: other, nodes: this.deployment.serverNodes(other) }));
      const context: RegionContext = { sim, region, peers, catalog: this.catalog, tuning: this.tuning, replicaObserver, regionObserver };
      this.serversByRegion.set(region, this.deployment.createRegion(context));
      sim.addNode(this.clientNode(region), (env) => this.clientProcess(env, region), { region });
    }
    this.setLatencies(options.latencies, options.inRegionLatencyMs ?? 1);
    this.scheduleLagSample(options.lagSampleMs ?? 100);
  }

  // ---- topology -------------------------------------------------------------------------

  /** The region's replica (one node per region), or its first server node. */
  replicaNode(region: RegionId): NodeId {
    return this.deployment.serverNodes(region)[0];
  }

  /** What serves the region. */
  servers(region: RegionId): RegionServers {
    this.assertRegion(region);
    return this.serversByRegion.get(region)!;
  }

  clientNode(region: RegionId): NodeId {
    return `${region}-client`;
  }

  nodesOf(region: RegionId): NodeId[] {
    this.assertRegion(region);
    return [...this.deployment.serverNodes(region), this.clientNode(region)];
  }

  /**
   * Runs time until every region can serve (where regions elect leaders, every shard has
   * its leader); at once for one node per region. The builder calls it after creating the regions.
   */
  awaitReady(withinMs = 5_000): void {
    const ready = this.deployment.isReady;
    if (ready === undefined || ready.call(this.deployment)) return;
    this.sim.runUntil(() => ready.call(this.deployment), { withinMs, waitingFor: `every region to elect its leaders (${this.deployment.description})`, pollMs: 5 });
  }

  /** Virtual ms a region takes to make an update durable (its quorum's commit); 0 with one node per region. */
  get regionCommitMs(): number {
    return this.deployment.commitMs(this.inRegionLatencyMs);
  }

  /** One-way latency between two regions' replicas. */
  latencyMs(from: RegionId, to: RegionId): number {
    this.assertRegion(from);
    this.assertRegion(to);
    return from === to ? 0 : this.latency.get(`${from}>${to}`)!;
  }

  /** The region's replica where regions have one node (undefined while it is down, and for regions of many nodes). */
  replica(region: RegionId): RegionReplica | undefined {
    this.assertRegion(region);
    const runtime = this.sim.node(this.replicaNode(region)).instance as NodeRuntime | null;
    const service = runtime?.service(GEO_NAMESPACE);
    return service instanceof RegionReplica ? service : undefined;
  }

  isUp(region: RegionId): boolean {
    return this.servers(region).isUp();
  }

  defineKeyspace(name: string, kind: StrategyKind): void {
    this.catalog.define(name, kind);
  }

  // ---- client operations ------------------------------------------------------------------

  /** Issues an operation from a client in `region`; it completes as virtual time runs. */
  submit(region: RegionId, call: ClientCall, session?: GeoSession): OperationHandle {
    this.assertRegion(region);
    const kind = this.catalog.require(call.keyspace);
    const fullKey = `${call.keyspace}/${call.key}`;
    const handle: OperationHandle = { issuedAtMs: this.sim.nowMs, done: false };
    const client = this.client(region);
    const request: ClientCall = session ? { ...call, session: { ...call.session, after: session.after, context: kind === 'multi-value' ? session.contexts.get(fullKey) : undefined } } : call;
    if (call.operation) this.lastIssued.set(fullKey, this.sim.nowMs);
    client.call(request, (result) => {
      handle.done = true;
      handle.result = result;
      session?.observe(fullKey, result);
      this.history.record(region, fullKey, kind, call.operation, result, handle.issuedAtMs, this.sim.nowMs);
    });
    return handle;
  }

  /** Issues an operation and runs virtual time until it completes; throws if it failed. */
  perform(region: RegionId, fullKey: string, operation: GeoOperation | undefined, sessionName?: string): ClientResult & { ok: true } {
    const { keyspace, key } = splitFullKey(fullKey);
    const session = sessionName === undefined ? undefined : this.session(sessionName);
    // Without a session a multi-value delete removes what the region holds (there is no read context to go by).
    const local = session === undefined && operation?.kind === 'delete' ? { replaceLocal: true } : undefined;
    const handle = this.submit(region, { keyspace, key, operation, session: local }, session);
    this.sim.runUntil(() => handle.done, { withinMs: this.tuning.requestTimeoutMs + 1_000, waitingFor: `the answer from ${region}` });
    const result = handle.result!;
    if (!result.ok) throw new GeoOperationError(`${describeOperation(operation, fullKey)} in ${region} failed: ${result.error}`, result.unavailable);
    return result;
  }

  /** Issues several operations at the same virtual instant and waits for all of them. */
  performTogether(calls: readonly { region: RegionId; fullKey: string; operation: GeoOperation }[]): ClientResult[] {
    const handles = calls.map(({ region, fullKey, operation }) => {
      const { keyspace, key } = splitFullKey(fullKey);
      return this.submit(region, { keyspace, key, operation });
    });
    this.sim.runUntil(() => handles.every((handle) => handle.done), { withinMs: this.tuning.requestTimeoutMs + 1_000, waitingFor: 'the answers' });
    return handles.map((handle) => handle.result!);
  }

  session(name: string): GeoSession {
    let session = this.sessions.get(name);
    if (!session) this.sessions.set(name, (session = new GeoSession(name)));
    return session;
  }

  // ---- observation -----------------------------------------------------------------------------

  /** What a read in the region returns now (undefined while its replica is down). */
  valueAt(region: RegionId, fullKey: string): GeoValue | undefined {
    const { keyspace } = splitFullKey(fullKey);
    const data = this.servers(region).data();
    return data === undefined ? undefined : readState(this.catalog.require(keyspace), data.stateOf(fullKey));
  }

  renderAt(region: RegionId, fullKey: string): string {
    return renderValue(this.valueAt(region, fullKey));
  }

  /** Runs time until each region reads `expected`; returns when each first did, from when the key was last written. */
  awaitValue(fullKey: string, expected: string, regions: readonly RegionId[], withinMs: number): VisibilityRecord[] {
    const writtenAtMs = this.lastIssued.get(fullKey) ?? this.sim.nowMs;
    const seen = new Map<RegionId, number>();
    const check = (): boolean => {
      for (const region of regions) if (!seen.has(region) && this.renderAt(region, fullKey) === expected) seen.set(region, this.sim.nowMs - writtenAtMs);
      return seen.size === regions.length;
    };
    try {
      this.sim.runUntil(check, { withinMs, waitingFor: `${regions.join(', ')} to read ${fullKey} as ${expected}`, pollMs: 1 });
    } catch (error) {
      const values = regions.map((region) => `${region}: ${this.renderAt(region, fullKey)}`).join('; ');
      throw new Error(`${fullKey} did not read as ${JSON.stringify(expected)} in ${regions.join(', ')} within ${withinMs} ms; they read ${values}`, { cause: error });
    }
    return regions.map((region) => ({ region, afterMs: seen.get(region)! }));
  }

  /** Each live replica's keys and canonical states. */
  snapshots(): ReplicaSnapshot[] {
    const snapshots: ReplicaSnapshot[] = [];
    for (const region of this.regions) {
      const data = this.servers(region).data();
      if (!data) continue;
      const values = new Map<string, string>();
      for (const [fullKey, record] of data.entries()) values.set(fullKey, canonicalState(record.state));
      snapshots.push({ replica: region, values });
    }
    return snapshots;
  }

  /** Cheap test: every region is up and the Merkle roots agree. */
  rootsAgree(): boolean {
    let root: string | undefined;
    for (const region of this.regions) {
      const data = this.servers(region).data();
      if (!data) return false;
      const hex = data.rootHex();
      if (root !== undefined && hex !== root) return false;
      root = hex;
    }
    return true;
  }

  /**
   * Runs time until every replica holds the same state for every key, at most `boundMs`,
   * then checks it key by key. Throws (with the divergent keys) when the bound passes first.
   */
  awaitConvergence(boundMs: number): ConvergenceReport & { elapsedMs: number } {
    const down = this.regions.filter((region) => !this.isUp(region));
    if (down.length > 0) throw new Error(`convergence needs every region up; down: ${down.join(', ')}`);
    const startMs = this.sim.nowMs;
    try {
      this.sim.runUntil(() => this.rootsAgree() && (this.deployment.isDelivered?.() ?? true), { withinMs: boundMs, waitingFor: 'every region to hold the same data', pollMs: 5 });
    } catch {
      // The key-by-key check below explains what differs.
    }
    const elapsedMs = this.sim.nowMs - startMs;
    const report = checkConvergence(this.snapshots());
    assertConvergedWithin(report, elapsedMs, boundMs);
    return { ...report, elapsedMs };
  }

  /** Counters lost nothing, and every LWW key holds its latest acknowledged write, in every live region. */
  verifyOutcomes(): string {
    const counters = this.history.counterExpectations();
    const counterViolations = checkCounters(counters, (fullKey) => this.numbersAt(fullKey));
    if (counterViolations.length > 0) throw new Error(`counter increments were lost or doubled:\n${explainCounterViolations(counterViolations)}`);
    const { acknowledged, unknownValues } = this.history.lastWriterWinsWrites();
    const lwwViolations = checkLastWriterWins(acknowledged, unknownValues, (fullKey) => this.lwwValuesAt(fullKey));
    if (lwwViolations.length > 0) throw new Error(`last-writer-wins kept the wrong write:\n${explainLwwViolations(lwwViolations)}`);
    const delivery = this.checkDelivery();
    if (delivery && delivery.problems.length > 0) throw new Error(`changes between regions were not delivered exactly once:\n${delivery.problems.join('\n')}`);
    const delivered = delivery ? `; ${delivery.changes} changes on ${delivery.streams} shard streams each took effect exactly once` : '';
    return `${counters.length} counters hold every acknowledged increment; ${new Set(acknowledged.map((write) => write.key)).size} last-writer-wins keys hold their latest write${delivered}`;
  }

  /** Where regions are sharded: every stream delivered every change exactly once, and each region's replicas agree. */
  checkDelivery(): DeliveryReport | undefined {
    return this.deployment.checkDelivery?.(this.regions.map((region) => this.servers(region)));
  }

  /** The acknowledged last-writer-wins write with the greatest (timestamp, region) for a key. */
  latestWrite(fullKey: string): { value: string | null; timestamp: HlcTimestamp; region: RegionId } | undefined {
    let best: { value: string | null; timestamp: HlcTimestamp; region: RegionId } | undefined;
    for (const update of this.history.updatesOf(fullKey)) {
      if (update.kind !== 'lww' || !update.timestamp) continue;
      const candidate = { value: update.operation.kind === 'put' ? update.operation.value : null, timestamp: update.timestamp, region: update.region };
      const order = best === undefined ? 1 : compareHlc(candidate.timestamp, best.timestamp) || (candidate.region > best.region ? 1 : -1);
      if (order > 0) best = candidate;
    }
    return best;
  }

  /**
   * Writes `count` keys from one region, one every `spacingMs`, without waiting for each
   * answer (an open-loop client); then runs time until all are acknowledged.
   */
  writeKeys(region: RegionId, keyspace: string, count: number, value: (index: number) => string, spacingMs: number): void {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`the number of keys must be a whole number >= 1, got ${count}`);
    const handles: OperationHandle[] = [];
    for (let index = 0; index < count; index++) {
      handles.push(this.submit(region, { keyspace, key: `key-${String(index).padStart(6, '0')}`, operation: { kind: 'put', value: value(index) } }));
      this.sim.runFor(spacingMs);
    }
    this.sim.runUntil(() => handles.every((handle) => handle.done), { withinMs: this.tuning.requestTimeoutMs + 1_000, waitingFor: `${count} writes in ${region}` });
    const failed = handles.filter((handle) => !handle.result!.ok).length;
    if (failed > 0) throw new GeoOperationError(`${failed} of ${count} writes in ${region} failed`, true);
  }

  /** Whether the scenario left the system able to converge: every region up, no partition, no clock refused. */
  canConverge(): { ok: boolean; why: string } {
    const down = this.regions.filter((region) => !this.isUp(region));
    if (down.length > 0) return { ok: false, why: `regions down: ${down.join(', ')}` };
    if (this.sim.network.isPartitioned) return { ok: false, why: 'the network is still split' };
    const refusing = this.regions.filter((region) => this.refusedBy(region).length > 0);
    if (refusing.length > 0) return { ok: false, why: `clocks refused by ${refusing.join(', ')}` };
    return { ok: true, why: '' };
  }

  /** Anti-entropy sessions that exchanged key states. */
  repairSessions(): AntiEntropySession[] {
    return [...this.antiEntropySessions.values()].filter((session) => session.keysExchanged > 0);
  }

  get merkleLeafCount(): number {
    return this.tuning.merkleFanout ** this.tuning.merkleDepth;
  }

  /** Runs time until no region pair has anything pending (or a repair running). */
  awaitLagCleared(withinMs: number): void {
    const cleared = (): boolean =>
      this.lag.pairs().every(([origin, destination]) => {
        const lag = this.lag.current(origin, destination, this.sim.nowMs);
        return lag.pending === 0 && !lag.repairing;
      });
    this.sim.runUntil(cleared, { withinMs, waitingFor: 'every region pair to have nothing pending', pollMs: 5 });
  }

  // ---- faults -----------------------------------------------------------------------------------

  /** The region's replica crashes (its disk keeps what it synced); its clients stay and get no answers. */
  failRegion(region: RegionId): void {
    for (const node of this.servers(region).serverNodes) if (this.sim.node(node).state === 'running') this.sim.node(node).crash();
  }

  recoverRegion(region: RegionId): void {
    for (const node of this.servers(region).serverNodes) if (this.sim.node(node).state !== 'running') this.sim.node(node).start();
  }

  isolateRegion(region: RegionId): void {
    const inside = this.nodesOf(region);
    const outside = this.regions.filter((other) => other !== region).flatMap((other) => this.nodesOf(other));
    this.sim.network.partition([inside, outside]);
  }

  /** The two regions cannot reach each other, both ways; other links are untouched. */
  cutBetween(a: RegionId, b: RegionId): void {
    for (const from of this.nodesOf(a)) {
      for (const to of this.nodesOf(b)) {
        this.sim.network.cutOneWay(from, to);
        this.sim.network.cutOneWay(to, from);
      }
    }
  }

  /** Sets the clocks of a region's nodes: offset from true time now, and drift. */
  setRegionClock(region: RegionId, offsetMs: number, driftPpm = 0): void {
    const offsetNowMs = offsetMs - (this.sim.nowMs * driftPpm) / 1_000_000;
    for (const node of this.nodesOf(region)) this.sim.node(node).setClock(offsetNowMs, driftPpm);
  }

  startChaos(options: Pick<GeoChaosOptions, 'maxClockSkewMs' | 'maxDriftPpm'> & Partial<GeoChaosOptions>): GeoChaos {
    this.chaosRunner?.stop();
    this.chaosRunner = new GeoChaos(this.sim, {
      regions: this.regions,
      nodesOf: (region) => this.nodesOf(region),
      replicaOf: (region) => this.replicaNode(region),
      serversOf: (region) => this.servers(region).serverNodes,
      gapMs: { minMs: 500, maxMs: 3_000 },
      partitionMs: { minMs: 500, maxMs: 6_000 },
      ...options,
    });
    this.chaosRunner.start();
    return this.chaosRunner;
  }

  get chaos(): GeoChaos | undefined {
    return this.chaosRunner;
  }

  // ---- workload ------------------------------------------------------------------------------------

  startWorkload(spec: Omit<WorkloadSpec, 'regions'> & { regions?: readonly RegionId[] }): void {
    this.workload?.stop();
    const target = {
      kindOf: (keyspace: string) => this.catalog.require(keyspace),
      submit: (region: RegionId, call: ClientCall) => void this.submit(region, call),
      schedule: (delayMs: number, callback: () => void) => void this.sim.scheduler.schedule(delayMs, callback),
    };
    this.workload = new Workload(target, { ...spec, regions: spec.regions ?? this.regions }, this.sim.random.stream('geo-workload'));
    this.workload.start();
  }

  stopWorkload(): void {
    this.workload?.stop();
  }

  /** Stops traffic and waits (bounded) for every answer already on its way. */
  quiesce(withinMs = this.tuning.requestTimeoutMs + 500): void {
    this.stopWorkload();
    this.sim.runUntil(() => this.regions.every((region) => this.client(region).outstanding === 0), { withinMs, waitingFor: 'outstanding client requests to be answered' });
  }

  // ---- reports ---------------------------------------------------------------------------------------

  lagTable(): string {
    return this.lag.table(this.sim.nowMs);
  }

  lagSvg(title: string): string {
    return renderLagSvg(this.lag, { title, endMs: this.sim.nowMs });
  }

  /** Each region's latest clock-offset measurement of each peer, and its verdict. */
  clockTable(): string {
    const rows: string[][] = [];
    for (const region of this.regions) {
      if (!this.isUp(region)) continue;
      for (const status of this.servers(region).clockRows()) {
        const clock = status.clock;
        rows.push([
          `${region} → ${status.peer}`,
          clock ? `${Math.round(clock.offsetMs)}` : '-',
          clock ? `±${Math.round(clock.uncertaintyMs)}` : '-',
          String(this.tuning.maxClockOffsetMs),
          status.refused ? 'refused' : 'accepted',
        ]);
      }
    }
    return formatTable(['observer → peer', "peer's clock offset (ms)", 'uncertainty (ms)', 'max offset (ms)', 'verdict'], rows);
  }

  /** The regions that `region` currently refuses because of their clocks. */
  refusedBy(region: RegionId): RegionId[] {
    return this.servers(region).refusedPeers();
  }

  antiEntropyTable(): string {
    const rows = [...this.antiEntropySessions.values()]
      .filter((session) => session.keysExchanged > 0 || (session.keysDifferingAtStart ?? 0) > 0)
      .map((session) => [
        session.session,
        `${(session.startedAtMs / 1000).toFixed(3)} s`,
        session.finishedAtMs === undefined ? 'no' : `${Math.round(session.finishedAtMs - session.startedAtMs)} ms`,
        String(session.keysDifferingAtStart ?? '?'),
        String(session.leavesDiffering),
        String(session.treeNodesCompared),
        String(session.digestsSent),
        String(session.keysExchanged),
      ]);
    return formatTable(['session', 'started', 'finished after', 'keys differing', 'ranges differing', 'tree nodes compared', 'key digests sent', 'key states exchanged'], rows);
  }

  statusTable(): string {
    const rows = this.regions.map((region) => (this.isUp(region) ? [region, 'up', ...this.servers(region).statusCells()] : [region, 'down', '-', '-', '-', '-']));
    return formatTable(['region', 'servers', 'keys', 'changes made', 'changes retained', 'applied from peers'], rows);
  }

  /** The HLC timestamp of the LWW value a region holds for a key, for explanations. */
  timestampAt(region: RegionId, fullKey: string): string {
    const value = this.valueAt(region, fullKey);
    return value?.kind === 'lww' && value.timestamp ? `${formatHlc(value.timestamp)}@${value.region}` : '-';
  }

  /** Client requests of the region still waiting for an answer or their time-out (0 while its client node is down). */
  outstandingRequests(region: RegionId): number {
    const runtime = this.sim.node(this.clientNode(region)).instance as NodeRuntime | null;
    return runtime?.service<GeoClientProcess>(GEO_NAMESPACE)?.outstanding ?? 0;
  }

  /** Answers the region's clients ignored because a node their request did not go to sent them (0 while the client node is down). */
  answersNotAsked(region: RegionId): number {
    const runtime = this.sim.node(this.clientNode(region)).instance as NodeRuntime | null;
    return runtime?.service<GeoClientProcess>(GEO_NAMESPACE)?.answersNotAsked ?? 0;
  }

  // ---- internals ---------------------------------------------------------------------------------------

  private client(region: RegionId): GeoClientProcess {
    const runtime = this.sim.node(this.clientNode(region)).instance as NodeRuntime | null;
    const client = runtime?.service<GeoClientProcess>(GEO_NAMESPACE);
    if (!client) throw new Error(`the clients of ${region} are not running`);
    return client;
  }

  /** A region's clients hear only from their region's servers. */
  private clientProcess(env: NodeEnv, region: RegionId): NodeRuntime {
    const runtime = new NodeRuntime(env);
    const servers = this.deployment.serverNodes(region);
    const rules = servers.length === 1 ? geoClientRules() : geoRegionClientRules(new Set(servers));
    guardNode(runtime, env, rules, (from) => servers.includes(from), this.boundaryDrops);
    const attemptTimeoutMs = this.deployment.clientAttemptTimeoutMs ?? this.tuning.requestTimeoutMs;
    const firstTarget = this.deployment.clientTarget?.bind(this.deployment);
    const route = firstTarget ? (call: ClientCall): NodeId | undefined => firstTarget(region, `${call.keyspace}/${call.key}`) : undefined;
    runtime.register(GEO_NAMESPACE, new GeoClientProcess(env, servers.length === 1 ? servers[0] : servers, this.tuning.requestTimeoutMs, attemptTimeoutMs, route));
    return runtime;
  }

  private setLatencies(latencies: readonly RegionLatency[], inRegionLatencyMs: number): void {
    for (const { from, to } of latencies) {
      this.assertRegion(from);
      this.assertRegion(to);
    }
    // One mechanism for every deployment: the network applies the matrix to every message
    // between nodes placed in regions (src/sim/region-latency.ts); the nodes got their region when added.
    this.inRegionLatencyMs = inRegionLatencyMs;
    const matrix = new RegionLatencyMatrix(this.regions, latencies, { kind: 'constant', ms: inRegionLatencyMs });
    for (const from of this.regions) for (const to of this.regions) if (from !== to) this.latency.set(`${from}>${to}`, matrix.oneWayMs(from, to));
    this.sim.network.setRegionLatencies(matrix);
  }

  private observer(): ReplicaObserver {
    return {
      localChange: (region, seq) => this.lag.localChange(region, seq, this.sim.nowMs),
      applied: (region, origin, seq) => this.lag.appliedAt(region, origin, seq),
      repairNeeded: (region, origin) => this.lag.repairNeeded(region, origin, this.sim.nowMs),
      repairDone: (region, origin) => this.lag.repairDone(region, origin),
      clockVerdict: (region, change) => this.recordVerdict(region, change),
      refusedTimestamp: (region, peer, aheadMs, maxOffsetMs) =>
        this.clockEvents.push({ atMs: this.sim.nowMs, region, peer, verdict: 'timestamp refused', offsetMs: aheadMs, maxOffsetMs }),
      antiEntropy: (event) => this.recordAntiEntropy(event),
      stored: (_region, fullKey, state) => {
        if (state.kind === 'multi-value' && state.siblings.length > (this.versionsSeenMax.get(fullKey) ?? 0)) this.versionsSeenMax.set(fullKey, state.siblings.length);
      },
      refused: (node, request, refusal) => this.audit.record(node, request, refusal),
    };
  }

  /** Regions of many nodes report per shard; the lag recorder counts per region (see ShardSequences). */
  private regionObserver(single: ReplicaObserver): RegionNodeObserver {
    return {
      localChange: (region, shard, seq) => this.shardSequences.localChange(region, shard, seq),
      applied: (region, origin, shard, seq) => this.shardSequences.applied(region, origin, shard, seq),
      repairNeeded: single.repairNeeded,
      repairDone: single.repairDone,
      clockVerdict: single.clockVerdict,
      refusedTimestamp: single.refusedTimestamp,
      antiEntropy: (event, shard) => this.recordAntiEntropy(event, shard),
      stored: single.stored,
      refused: single.refused,
    };
  }

  private recordVerdict(region: RegionId, change: VerdictChange): void {
    this.clockEvents.push({ atMs: this.sim.nowMs, region, peer: change.peer, verdict: change.verdict, offsetMs: change.measurement.offsetMs, maxOffsetMs: change.maxOffsetMs });
  }

  private recordAntiEntropy(event: AntiEntropyEvent, shard?: string): void {
    if (event.kind === 'start') {
      this.antiEntropySessions.set(event.session, {
        session: event.session,
        initiator: event.initiator,
        responder: event.responder,
        startedAtMs: this.sim.nowMs,
        keysDifferingAtStart: this.keysDiffering(event.initiator, event.responder, shard),
        treeNodesCompared: 0,
        leavesDiffering: 0,
        digestsSent: 0,
        keysExchanged: 0,
        distinctKeysExchanged: new Set(),
      });
      return;
    }
    const session = this.antiEntropySessions.get(event.session);
    if (!session) return;
    switch (event.kind) {
      case 'compared':
        session.treeNodesCompared += event.nodes;
        break;
      case 'digests':
        session.leavesDiffering += event.leaves;
        session.digestsSent += event.entries;
        break;
      case 'states':
        session.keysExchanged += event.keys.length;
        for (const key of event.keys) session.distinctKeysExchanged.add(key);
        break;
      case 'done':
        session.finishedAtMs ??= this.sim.nowMs;
        if (!event.compared) session.declinedAsBusy = true;
        break;
    }
  }

  /** Ground truth for the anti-entropy report: keys whose states differ between two live regions. */
  private keysDiffering(a: RegionId, b: RegionId, shard?: string): number | undefined {
    const dataA = this.servers(a).data(shard);
    const dataB = this.servers(b).data(shard);
    if (!dataA || !dataB) return undefined;
    if (dataA.rootHex() === dataB.rootHex()) return 0;
    let differing = 0;
    for (const [fullKey, record] of dataA.entries()) if (dataB.get(fullKey)?.digest !== record.digest) differing++;
    for (const [fullKey] of dataB.entries()) if (dataA.get(fullKey) === undefined) differing++;
    return differing;
  }

  private numbersAt(fullKey: string): Map<string, number> {
    const values = new Map<string, number>();
    for (const region of this.regions) {
      const value = this.valueAt(region, fullKey);
      if (value?.kind === 'pn-counter') values.set(region, value.value);
    }
    return values;
  }

  private lwwValuesAt(fullKey: string): Map<string, string | null> {
    const values = new Map<string, string | null>();
    for (const region of this.regions) {
      const value = this.valueAt(region, fullKey);
      if (value?.kind === 'lww') values.set(region, value.value);
    }
    return values;
  }

  private scheduleLagSample(everyMs: number): void {
    this.sim.scheduler.schedule(everyMs, () => {
      const disturbed = this.sim.network.isPartitioned || this.regions.some((region) => !this.isUp(region));
      this.lag.sample(this.sim.nowMs, disturbed);
      this.scheduleLagSample(everyMs);
    });
  }

  private assertRegion(region: RegionId): void {
    if (!this.regions.includes(region)) throw new Error(`no region ${region} (regions: ${this.regions.join(', ')})`);
  }
}

function describeOperation(operation: GeoOperation | undefined, fullKey: string): string {
  if (operation === undefined) return `reading ${fullKey}`;
  switch (operation.kind) {
    case 'put':
      return `writing ${fullKey} = ${JSON.stringify(operation.value)}`;
    case 'delete':
      return `deleting ${fullKey}`;
    case 'increment':
      return `changing ${fullKey} by ${operation.amount}`;
    case 'add':
      return `adding ${JSON.stringify(operation.element)} to ${fullKey}`;
    case 'remove':
      return `removing ${JSON.stringify(operation.element)} from ${fullKey}`;
  }
}

/** Puts a message boundary in front of a georeplication node's services. */
function guardNode(runtime: NodeRuntime, env: NodeEnv, rules: ReadonlyMap<string, WireRule>, admitted: (from: NodeId) => boolean, counters: BoundaryCounters): void {
  runtime.guard(new MessageBoundary(env.id, { rules, admitted, counters, trace: (kind, detail) => env.trace(kind, detail) }));
}

/** A replica's data is its key store. */
function storeData(replica: RegionReplica): RegionData {
  const store = replica.store;
  return { get size() { return store.size; }, get: (key) => store.get(key), stateOf: (key) => store.stateOf(key), entries: () => store.entries(), rootHex: () => store.tree.rootHex() };
}

/** The smallest deployment: each region is one durable replica node (replica.ts); its node is named after the region. */
export class OneNodePerRegion implements GeoDeployment {
  readonly description = 'one node per region';

  /** A region's one replica syncs to its own disk: no quorum round trip. */
  commitMs(): number {
    return 0;
  }

  constructor(private readonly counters: BoundaryCounters) {}

  serverNodes(region: RegionId): NodeId[] {
    return [region];
  }

  createRegion(context: RegionContext): RegionServers {
    const { sim, region } = context;
    const peers = context.peers.map((peer) => ({ region: peer.region, node: peer.nodes[0] }));
    const peerNodes = new Set(peers.map((peer) => peer.node));
    sim.addNode(region, (env) => {
      const runtime = new NodeRuntime(env);
      guardNode(runtime, env, geoReplicaRules(), (from) => peerNodes.has(from), this.counters);
      runtime.register(GEO_NAMESPACE, new RegionReplica(env, { region, peers, catalog: context.catalog, tuning: context.tuning, observer: context.replicaObserver }));
      return runtime;
    }, { region }, { plainMessages: true }); // PhantomDB's own server (src/util/wire-copy.ts)
    const replica = (): RegionReplica | undefined => (sim.node(region).instance as NodeRuntime | null)?.service<RegionReplica>(GEO_NAMESPACE);
    return {
      region,
      serverNodes: [region],
      isUp: () => sim.node(region).state === 'running',
      data: () => {
        const running = replica();
        return running ? storeData(running) : undefined;
      },
      refusedPeers: () => replica()?.clocks.refusedPeers() ?? [],
      clockRows: (): PeerClockRow[] => replica()?.peerStatus().map((status) => ({ peer: status.peer, clock: status.clock, refused: status.refused })) ?? [],
      roles: () => replica()?.roles,
      tombstones: () => {
        const running = replica();
        return running && { kept: running.tombstones.tombstoneCount(), collected: running.tombstones.stats.collected, staleRefused: running.tombstones.stats.staleRefused };
      },
      changeRoles: (entry, done) => {
        // The region is its one replica: the change is applied and synced there, or tried again once it runs.
        const attempt = (): void => {
          const running = replica();
          if (running === undefined) return void sim.scheduler.schedule(ROLE_CHANGE_RETRY_MS, attempt);
          done(running.changeRoles(entry));
        };
        attempt();
      },
      statusCells: () => {
        const running = replica()!;
        const peers = running.peerStatus().map((peer) => `${peer.peer}:${peer.appliedFromPeer}${peer.needsRepairFrom ? ' (repairing)' : ''}`).join(', ');
        return [String(running.store.size), String(running.lastSeq), String(running.retainedChanges), peers];
      },
    };
  }
}

/**
 * Regions of many nodes number changes per shard; the lag recorder counts per region. Each
 * shard change gets a region-wide ordinal when it is first seen committed, and a
 * destination has applied an origin's changes up to the ordinal below the first one it
 * still lacks in any shard.
 */
class ShardSequences {
  /** Per origin region: per shard, the ordinal of each change (index = seq − 1). */
  private readonly ordinals = new Map<RegionId, Map<string, number[]>>();
  private readonly lastOrdinal = new Map<RegionId, number>();
  /** Per "destination|origin": per shard, the highest change applied. */
  private readonly appliedByShard = new Map<string, Map<string, number>>();

  constructor(
    private readonly lag: LagRecorder,
    private readonly nowMs: () => number,
  ) {}

  localChange(origin: RegionId, shard: string, seq: number): void {
    const list = this.shardList(origin, shard);
    while (list.length < seq) {
      const ordinal = (this.lastOrdinal.get(origin) ?? 0) + 1;
      this.lastOrdinal.set(origin, ordinal);
      list.push(ordinal);
      this.lag.localChange(origin, ordinal, this.nowMs());
    }
  }

  applied(destination: RegionId, origin: RegionId, shard: string, seq: number): void {
    const key = `${destination}|${origin}`;
    let table = this.appliedByShard.get(key);
    if (table === undefined) this.appliedByShard.set(key, (table = new Map()));
    if (seq <= (table.get(shard) ?? 0)) return;
    table.set(shard, seq);
    let through = this.lastOrdinal.get(origin) ?? 0;
    for (const [name, list] of this.ordinals.get(origin) ?? []) {
      const done = table.get(name) ?? 0;
      if (done < list.length) through = Math.min(through, list[done] - 1);
    }
    this.lag.appliedAt(destination, origin, through);
  }

  private shardList(origin: RegionId, shard: string): number[] {
    let shards = this.ordinals.get(origin);
    if (shards === undefined) this.ordinals.set(origin, (shards = new Map()));
    let list = shards.get(shard);
    if (list === undefined) shards.set(shard, (list = []));
    return list;
  }
}
