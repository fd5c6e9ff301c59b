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
import { BoundaryCounters, MessageBoundary } from '../runtime/message-boundary';
import { NodeRuntime } from '../runtime/node-runtime';
import { geoClientRules, geoReplicaRules } from './wire';
import type { NodeEnv, NodeId } from '../runtime/ports';
import { RegionLatencyMatrix, type Simulation } from '../sim';
import type { AntiEntropyEvent } from './anti-entropy';
import { type CausalContext, type RegionId } from './causal-context';
import { GeoChaos, type GeoChaosOptions } from './chaos';
import type { VerdictChange } from './clock-monitor';
import { type ClientCall, GeoClientProcess, type ClientResult } from './client';
import { type GeoTuning, KeyspaceCatalog, resolveGeoTuning } from './config';
import { compareHlc, formatHlc, type HlcTimestamp } from './hlc';
import { OperationHistory } from './history';
import { splitFullKey } from './key-store';
import { formatTable, LagRecorder } from './lag';
import { renderLagSvg } from './lag-svg';
import { GEO_NAMESPACE } from './messages';
import { RegionReplica, type ReplicaObserver } from './replica';
import { canonicalState, type GeoOperation, type GeoValue, renderValue, type StrategyKind } from './strategies';
import { Workload, type WorkloadSpec } from './workload';

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
  private readonly latency = new Map<string, number>();
  private readonly sessions = new Map<string, GeoSession>();
  private readonly lastIssued = new Map<string, number>();
  /** Multi-value keys: the most versions (siblings) any region ever held at once. */
  readonly versionsSeenMax = new Map<string, number>();
  private workload: Workload | undefined;
  private chaosRunner: GeoChaos | undefined;

  constructor(
    readonly sim: Simulation,
    options: GeoClusterOptions,
  ) {
    this.regions = [...options.regions];
    if (this.regions.length < 1) throw new Error('a georeplicated cluster needs at least one region');
    for (const region of this.regions) if (!REGION_NAME.test(region)) throw new Error(`a region name is lower case with dashes, e.g. "us-east"; got ${JSON.stringify(region)}`);
    if (new Set(this.regions).size !== this.regions.length) throw new Error(`a region is listed twice: ${this.regions.join(', ')}`);
    this.tuning = resolveGeoTuning(options.tuning);
    this.lag = new LagRecorder(this.regions);
    this.setLatencies(options.latencies, options.inRegionLatencyMs ?? 1);
    const observer = this.observer();
    for (const region of this.regions) {
      const peers = this.regions.filter((other) => other !== region).map((other) => ({ region: other, node: this.replicaNode(other) }));
      sim.addNode(this.replicaNode(region), (env) => this.replicaProcess(env, region, peers, observer), { region });
      sim.addNode(this.clientNode(region), (env) => this.clientProcess(env, region), { region });
    }
    this.scheduleLagSample(options.lagSampleMs ?? 100);
  }

  // ---- topology -------------------------------------------------------------------------

  replicaNode(region: RegionId): NodeId {
    return region;
  }

  clientNode(region: RegionId): NodeId {
    return `${region}-client`;
  }

  nodesOf(region: RegionId): NodeId[] {
    this.assertRegion(region);
    return [this.replicaNode(region), this.clientNode(region)];
  }

  /** One-way latency between two regions' replicas. */
  latencyMs(from: RegionId, to: RegionId): number {
    this.assertRegion(from);
    this.assertRegion(to);
    return from === to ? 0 : this.latency.get(`${from}>${to}`)!;
  }

  replica(region: RegionId): RegionReplica | undefined {
    this.assertRegion(region);
    const runtime = this.sim.node(this.replicaNode(region)).instance as NodeRuntime | null;
    return runtime?.service<RegionReplica>(GEO_NAMESPACE);
  }

  isUp(region: RegionId): boolean {
    return this.sim.node(this.replicaNode(region)).state === 'running';
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
    const { keyspace, key } = splitFullKey(fullKey);
    return this.replica(region)?.valueOf(keyspace, key);
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
      const replica = this.replica(region);
      if (!replica) continue;
      const values = new Map<string, string>();
      for (const [fullKey, record] of replica.store.entries()) values.set(fullKey, canonicalState(record.state));
      snapshots.push({ replica: region, values });
    }
    return snapshots;
  }

  /** Cheap test: every region is up and the Merkle roots agree. */
  rootsAgree(): boolean {
    let root: string | undefined;
    for (const region of this.regions) {
      const replica = this.replica(region);
      if (!replica) return false;
      const hex = replica.store.tree.rootHex();
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
      this.sim.runUntil(() => this.rootsAgree(), { withinMs: boundMs, waitingFor: 'every region to hold the same data', pollMs: 5 });
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
    return `${counters.length} counters hold every acknowledged increment; ${new Set(acknowledged.map((write) => write.key)).size} last-writer-wins keys hold their latest write`;
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
    this.sim.node(this.replicaNode(region)).crash();
  }

  recoverRegion(region: RegionId): void {
    this.sim.node(this.replicaNode(region)).start();
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
      const replica = this.replica(region);
      if (!replica) continue;
      for (const status of replica.peerStatus()) {
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
    return this.replica(region)?.clocks.refusedPeers() ?? [];
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
    const rows = this.regions.map((region) => {
      const replica = this.replica(region);
      if (!replica) return [region, 'down', '-', '-', '-', '-'];
      const peers = replica.peerStatus();
      return [
        region,
        'up',
        String(replica.store.size),
        String(replica.lastSeq),
        String(replica.retainedChanges),
        peers.map((peer) => `${peer.peer}:${peer.appliedFromPeer}${peer.needsRepairFrom ? ' (repairing)' : ''}`).join(', '),
      ];
    });
    return formatTable(['region', 'replica', 'keys', 'changes made', 'changes retained', 'applied from peers'], rows);
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

  // ---- internals ---------------------------------------------------------------------------------------

  private client(region: RegionId): GeoClientProcess {
    const runtime = this.sim.node(this.clientNode(region)).instance as NodeRuntime | null;
    const client = runtime?.service<GeoClientProcess>(GEO_NAMESPACE);
    if (!client) throw new Error(`the clients of ${region} are not running`);
    return client;
  }

  private replicaProcess(env: NodeEnv, region: RegionId, peers: { region: RegionId; node: NodeId }[], observer: ReplicaObserver): NodeRuntime {
    const runtime = new NodeRuntime(env);
    const peerNodes = new Set(peers.map((peer) => peer.node));
    this.guard(runtime, env, geoReplicaRules(), (from) => peerNodes.has(from));
    runtime.register(GEO_NAMESPACE, new RegionReplica(env, { region, peers, catalog: this.catalog, tuning: this.tuning, observer }));
    return runtime;
  }

  /** Replicas hear replication only from their configured peers; clients only from their region's replica. */
  private guard(runtime: NodeRuntime, env: NodeEnv, rules: ReturnType<typeof geoReplicaRules>, admitted: (from: NodeId) => boolean): void {
    runtime.guard(new MessageBoundary(env.id, { rules, admitted, counters: this.boundaryDrops, trace: (kind, detail) => env.trace(kind, detail) }));
  }

  private clientProcess(env: NodeEnv, region: RegionId): NodeRuntime {
    const runtime = new NodeRuntime(env);
    this.guard(runtime, env, geoClientRules(), (from) => from === this.replicaNode(region));
    runtime.register(GEO_NAMESPACE, new GeoClientProcess(env, this.replicaNode(region), this.tuning.requestTimeoutMs));
    return runtime;
  }

  private setLatencies(latencies: readonly RegionLatency[], inRegionLatencyMs: number): void {
    for (const { from, to } of latencies) {
      this.assertRegion(from);
      this.assertRegion(to);
    }
    // One mechanism for every deployment: the network applies the matrix to every message
    // between nodes placed in regions (src/sim/region-latency.ts); the nodes got their region when added.
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
    };
  }

  private recordVerdict(region: RegionId, change: VerdictChange): void {
    this.clockEvents.push({ atMs: this.sim.nowMs, region, peer: change.peer, verdict: change.verdict, offsetMs: change.measurement.offsetMs, maxOffsetMs: change.maxOffsetMs });
  }

  private recordAntiEntropy(event: AntiEntropyEvent): void {
    if (event.kind === 'start') {
      this.antiEntropySessions.set(event.session, {
        session: event.session,
        initiator: event.initiator,
        responder: event.responder,
        startedAtMs: this.sim.nowMs,
        keysDifferingAtStart: this.keysDiffering(event.initiator, event.responder),
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
  private keysDiffering(a: RegionId, b: RegionId): number | undefined {
    const replicaA = this.replica(a);
    const replicaB = this.replica(b);
    if (!replicaA || !replicaB) return undefined;
    if (replicaA.store.tree.rootHex() === replicaB.store.tree.rootHex()) return 0;
    let differing = 0;
    for (const [fullKey, record] of replicaA.store.entries()) if (replicaB.store.get(fullKey)?.digest !== record.digest) differing++;
    for (const fullKey of replicaB.store.keys()) if (replicaA.store.get(fullKey) === undefined) differing++;
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
