/**
 * Regions of many nodes: a georeplication deployment in which each region is itself a
 * sharded Raft store (DynamoDB global tables: each region is replicated; regions replicate
 * to each other, active-active). Used through the one georeplication API (GeoCluster,
 * `deployment` option).
 *
 * Each region gets `nodesPerRegion` server nodes, one per zone, each running the same
 * services as the sharded store's servers: the Raft service (one group per shard, every
 * node a voter, a Raft safety checker per group), the key-value server, and the
 * georeplication service (src/georep/region-node.ts). A shard's replicated state machine
 * is the key-value server's composition of modules (src/replica/shard-state-machine.ts)
 * with the georeplication module added (src/georep/geo-module.ts, entries `{ geo }`, its
 * snapshot field `geo`); the host dispatches each entry by its kind. Every
 * region has the same number of shards over the same slot ranges, so shard N of one region
 * streams to shard N of every other.
 *
 * Node names: region `us-east` has nodes `us-east-1` … `us-east-N` in zones `us-east-a` …;
 * its clients run on `us-east-client`.
 */
import type { AuthLogEntry, AuthResult, RoleTable } from '../auth/role-table';
import { proposeUntilApplied } from './security';
import { authLogEntryCheck } from '../auth/wire';
import { forbiddenGeoEntry } from '../georep/geo-authorization';
import type { DeliveryReport, GeoDeployment, PeerClockRow, RegionContext, RegionData, RegionServers, TombstoneCounts } from './geo-deployment';
import { GEO_NAMESPACE } from '../georep/messages';
import { RegionNodeService } from '../georep/region-node';
import { GeoModule } from '../georep/geo-module';
import { GeoShardState, isGeoLogEntry } from '../georep/region-shard-state';
import { geoLogEntryCheck, geoRegionNodeRules } from '../georep/wire';
import type { RegionId } from '../georep/causal-context';
import type { StoredKey } from '../georep/key-store';
import { digestHex } from '../georep/digest';
import { KvServer } from '../kv/server';
import { shardLogCommandCheck } from '../kv/wire';
import { RaftSafetyChecker } from '../raft';
import { RAFT_MESSAGE_TYPES, raftCoalescedHeartbeatsCheck, raftEnvelopeCheck, raftIdentityProblem, raftCoalescedIdentityProblem } from '../raft/wire';
import { BoundaryCounters, MessageBoundary, type WireCheck, type WireRule } from '../runtime/message-boundary';
import { NodeRuntime } from '../runtime/node-runtime';
import type { NodeEnv, NodeId } from '../runtime/ports';
import { DEFAULT_RAFT_TUNING, type RaftGroupHost, type RaftObserver, type RaftTuning } from '../runtime/raft-host';
import { RaftService } from '../runtime/raft-service';
import type { Check } from '../runtime/wire-check';
import { planShards, shardForKey, type ShardMap } from '../sharding/shard-map';
import type { Simulation } from '../sim';
import { txnCommandCheck } from '../txn/wire';
import { serverWireRules } from './wire-rules';

export interface ReplicatedRegionsOptions {
  /** Server nodes per region (each a voter of every shard of its region); at least 1. */
  readonly nodesPerRegion: number;
  /** Shards per region (the same in every region); at least 1. */
  readonly shardsPerRegion: number;
  readonly raftTuning?: Partial<RaftTuning>;
}

/** A client gives one node this long before it tries the next (a leader election takes ~150–300 ms). */
const CLIENT_ATTEMPT_TIMEOUT_MS = 200;
const ZONE_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** The payload of a normal entry in a region's shard log: a georeplication entry, or what the sharded store takes. */
export function regionShardEntryCheck(): Check {
  const store = shardLogCommandCheck(txnCommandCheck, authLogEntryCheck);
  return (value, path) => (isGeoLogEntry(value) ? geoLogEntryCheck(value, path) : store(value, path));
}

/**
 * What a region's server node accepts: the sharded store's server rules, with Raft entries
 * that may also be georeplication entries, and the georeplication messages of the other
 * regions' nodes (each must name its sender's region).
 */
export function regionServerRules(regionOf: (node: NodeId) => RegionId | undefined): Map<string, WireRule> {
  const rules = new Map(serverWireRules());
  const envelope = raftEnvelopeCheck(regionShardEntryCheck());
  // Every region's shards have the same names: a Raft message from another region's node is never for us.
  const sameRegion = (check: WireCheck): WireCheck => (message, from, self) =>
    check(message, from, self) ?? (regionOf(from) === regionOf(self) ? undefined : `a Raft message from ${from} (region ${regionOf(from) ?? 'none'}) arrived at ${self} of region ${regionOf(self) ?? 'none'}`);
  for (const type of RAFT_MESSAGE_TYPES) rules.set(type, { check: envelope, open: false, identity: sameRegion(raftIdentityProblem) });
  rules.set('raft.heartbeats', { check: raftCoalescedHeartbeatsCheck(envelope), open: false, identity: sameRegion(raftCoalescedIdentityProblem) });
  for (const [type, rule] of geoRegionNodeRules(regionOf)) rules.set(type, rule);
  return rules;
}

export class ReplicatedRegions implements GeoDeployment {
  readonly description: string;
  readonly clientAttemptTimeoutMs = CLIENT_ATTEMPT_TIMEOUT_MS;
  /** Per "region/shard": the Raft safety checker of that group (it throws at the first violation). */
  readonly safetyCheckers = new Map<string, RaftSafetyChecker>();
  readonly boundaryDrops = new BoundaryCounters();
  private readonly tuning: RaftTuning;
  private readonly maps = new Map<RegionId, ShardMap>();
  /** Per node: its shard state modules (replaced on every start of the node). */
  private readonly statesOnNode = new Map<NodeId, Map<string, GeoShardState>>();
  private readonly regionOfNode = new Map<NodeId, RegionId>();
  private sim: Simulation | undefined;

  constructor(private readonly options: ReplicatedRegionsOptions) {
    if (!(Number.isInteger(options.nodesPerRegion) && options.nodesPerRegion >= 1 && options.nodesPerRegion <= ZONE_LETTERS.length)) {
      throw new RangeError(`nodes per region must be a whole number from 1 to ${ZONE_LETTERS.length}, got ${options.nodesPerRegion}`);
    }
    if (!(Number.isInteger(options.shardsPerRegion) && options.shardsPerRegion >= 1)) throw new RangeError(`shards per region must be a whole number >= 1, got ${options.shardsPerRegion}`);
    // Groups never quiesce: these regions run no membership failure detector to wake them.
    this.tuning = { ...DEFAULT_RAFT_TUNING, quiesceAfterIdleTicks: 0, ...options.raftTuning };
    this.description = `${options.nodesPerRegion} nodes per region, ${options.shardsPerRegion} shard${options.shardsPerRegion === 1 ? '' : 's'}`;
  }

  serverNodes(region: RegionId): NodeId[] {
    return Array.from({ length: this.options.nodesPerRegion }, (_, index) => `${region}-${index + 1}`);
  }

  createRegion(context: RegionContext): RegionServers {
    const { sim, region } = context;
    this.sim = sim;
    const nodes = this.serverNodes(region);
    for (const node of nodes) this.regionOfNode.set(node, region);
    for (const peer of context.peers) for (const node of peer.nodes) this.regionOfNode.set(node, peer.region);
    const map = this.planFor(region);
    this.maps.set(region, map);
    // PhantomDB's own servers: they send plain data they built (src/util/wire-copy.ts).
    nodes.forEach((node, index) => sim.addNode(node, (env) => this.serverProcess(env, context, index, map), { region, zone: `${region}-${ZONE_LETTERS[index]}` }, { plainMessages: true }));
    for (const shard of map.shards) {
      for (const node of shard.replicas) this.raftOn(node)!.ensureGroup({ groupId: shard.id, bootstrapConfig: { voters: shard.replicas, learners: [] } });
    }
    return this.regionServers(region, nodes, map);
  }

  /** A region's shard map: every node a voter of every shard, leaders spread (the same plan in every region). */
  private planFor(region: RegionId): ShardMap {
    const nodes = this.serverNodes(region).map((id, index) => ({ id, zone: `${region}-${ZONE_LETTERS[index]}` }));
    return planShards({ nodes, shardCount: this.options.shardsPerRegion, replicationFactor: nodes.length });
  }

  // ---- one server node ---------------------------------------------------------------------

  private serverProcess(env: NodeEnv, context: RegionContext, ordinal: number, map: ShardMap): NodeRuntime {
    const runtime = new NodeRuntime(env);
    const known = (from: NodeId): boolean => this.regionOfNode.has(from);
    runtime.guard(new MessageBoundary(env.id, { rules: regionServerRules((node) => this.regionOfNode.get(node)), admitted: known, counters: this.boundaryDrops, trace: (kind, detail) => env.trace(kind, detail) }));
    const states = new Map<string, GeoShardState>();
    this.statesOnNode.set(env.id, states);
    let geo: RegionNodeService | undefined;
    // Each shard's state machine gets the georeplication module beside the key-value server's own modules (src/replica/host.ts dispatches by kind).
    // A client update is first judged against the shard's role table (the key-value side's `{ auth }` entries) as of its log position; a refused one changes nothing.
    const roles = (groupId: string): RoleTable | undefined => kv.machine(groupId)?.auth;
    const kv: KvServer = new KvServer(env, { shardMap: () => map, leaderBalanceIntervalMs: 1_000, modulesFor: (groupId) => [
      new GeoModule(this.shardState(context, states, groupId, () => geo), (command) => forbiddenGeoEntry(roles(groupId), command)),
    ] });
    const raft = new RaftService(env, {
      tuning: this.tuning,
      createMachine: (groupId) => kv.machineFor(groupId),
      observerFor: (groupId) => this.observerFor(context.region, groupId, () => geo),
    });
    kv.attach(raft);
    geo = new RegionNodeService(env, {
      region: context.region,
      nodeOrdinal: ordinal,
      shards: map.shards.map((shard) => shard.id),
      shardOf: (fullKey) => shardForKey(map, fullKey)!.id,
      peers: context.peers,
      expectedLeader: (peer, shard) => (this.maps.get(peer) ?? this.planFor(peer)).shards.find((entry) => entry.id === shard)?.preferredLeader,
      catalog: context.catalog,
      tuning: context.tuning,
      observer: context.regionObserver,
      raft: () => raft,
      shardState: (shard) => states.get(shard),
      roles: (shard) => kv.machine(shard)?.auth,
    });
    runtime.register('raft', raft);
    runtime.register('kv', kv);
    runtime.register(GEO_NAMESPACE, geo);
    return runtime;
  }

  private shardState(context: RegionContext, states: Map<string, GeoShardState>, shard: string, geo: () => RegionNodeService | undefined): GeoShardState {
    const state = new GeoShardState({
      region: context.region,
      peers: context.peers.map((peer) => peer.region),
      merkleFanout: context.tuning.merkleFanout,
      merkleDepth: context.tuning.merkleDepth,
      retainedChangesMax: context.tuning.retainedChangesMax,
    });
    state.observer = (command, result, applied) => geo()?.applied(shard, command, result, applied);
    states.set(shard, state);
    return state;
  }

  private observerFor(region: RegionId, shard: string, geo: () => RegionNodeService | undefined): RaftObserver {
    const key = `${region}/${shard}`;
    let safety = this.safetyCheckers.get(key);
    if (safety === undefined) this.safetyCheckers.set(key, (safety = new RaftSafetyChecker()));
    const checker = safety;
    return {
      onStart: (node) => checker.onStepDown(node),
      onLeader: (node, term) => {
        checker.onLeader(node, term);
        geo()?.leadership(shard, true);
      },
      onStepDown: (node) => {
        checker.onStepDown(node);
        geo()?.leadership(shard, false);
      },
      onPersist: (node, ready) => checker.onPersist(node, ready),
      onSnapshot: (node, snapshot) => checker.onSnapshot(node, snapshot),
      onApply: (node, entry) => checker.onApply(node, entry),
      onRemove: (node) => checker.onReplicaRemoved(node),
    };
  }

  // ---- the region as the facade sees it -------------------------------------------------------

  private regionServers(region: RegionId, nodes: readonly NodeId[], map: ShardMap): RegionServers {
    const running = (): NodeId[] => nodes.filter((node) => this.sim!.node(node).state === 'running');
    const shards = map.shards.map((shard) => shard.id);
    return {
      region,
      serverNodes: nodes,
      isUp: () => running().length * 2 > nodes.length,
      data: (shard) => {
        if (running().length * 2 <= nodes.length) return undefined;
        const chosen = (shard === undefined ? shards : [shard]).map((id) => this.freshestState(nodes, id));
        return chosen.every((state) => state !== undefined) ? unionData(chosen as GeoShardState[], (fullKey) => shards.indexOf(shardForKey(map, fullKey)!.id), shard !== undefined) : undefined;
      },
      refusedPeers: () => [...new Set(running().flatMap((node) => this.geoOn(node)?.clocks.refusedPeers() ?? []))].sort(),
      clockRows: () => this.clockRows(running()[0]),
      statusCells: () => this.statusCells(nodes, shards),
      roles: () => this.freshestRoles(running(), shards),
      tombstones: () => this.tombstoneCounts(nodes, shards),
      changeRoles: (entry, done) => this.changeRoles(region, shards, entry, done),
    };
  }

  /**
   * A role change goes through the region's Raft: an `{ auth }` entry in every shard's log
   * (the role module of the shard's state machine, as in the sharded store), proposed on
   * each shard's leader until applied. Done when every shard applied it; they must agree.
   */
  private changeRoles(region: RegionId, shards: readonly string[], entry: AuthLogEntry, done: (result: AuthResult) => void): void {
    const results: AuthResult[] = [];
    for (const shard of shards) {
      const leader = (): RaftGroupHost | undefined => {
        const node = this.leaderOf(region, shard);
        return node === undefined ? undefined : this.raftOn(node)?.group(shard);
      };
      proposeUntilApplied(this.sim!, leader, { auth: entry }, (result) => {
        results.push(result as AuthResult);
        if (results.length < shards.length) return;
        const verdicts = new Set(results.map((each) => JSON.stringify(each)));
        if (verdicts.size !== 1) throw new Error(`the shards of ${region} disagree on auth change ${entry.version}: ${[...verdicts].join(' / ')}`);
        done(results[0]);
      });
    }
  }

  /** The role table of the running replica, of any shard, that applied the most changes. */
  private freshestRoles(nodes: readonly NodeId[], shards: readonly string[]): RoleTable | undefined {
    let best: RoleTable | undefined;
    for (const node of nodes) {
      for (const shard of shards) {
        const table = this.kvOn(node)?.machine(shard)?.auth;
        if (table !== undefined && (best === undefined || table.version > best.version)) best = table;
      }
    }
    return best;
  }

  /** The shard's state on the running replica that applied the most: what its leader serves. */
  private freshestState(nodes: readonly NodeId[], shard: string): GeoShardState | undefined {
    let best: { state: GeoShardState; applied: number } | undefined;
    for (const node of nodes) {
      if (this.sim!.node(node).state !== 'running') continue;
      const applied = this.raftOn(node)?.group(shard)?.applied;
      const state = this.statesOnNode.get(node)?.get(shard);
      if (applied === undefined || state === undefined) continue;
      if (best === undefined || applied > best.applied) best = { state, applied };
    }
    return best?.state;
  }

  /** Tombstones the region's shards keep, summed over the freshest replica of each shard; undefined while a shard has none running. */
  private tombstoneCounts(nodes: readonly NodeId[], shards: readonly string[]): TombstoneCounts | undefined {
    const states = shards.map((shard) => this.freshestState(nodes, shard));
    if (states.some((state) => state === undefined)) return undefined;
    const sum = (of: (state: GeoShardState) => number): number => (states as GeoShardState[]).reduce((total, state) => total + of(state), 0);
    return { kept: sum((state) => state.tombstoneCount()), collected: sum((state) => state.tombstoneStats.collected), staleRefused: sum((state) => state.tombstoneStats.staleRefused) };
  }

  private clockRows(node: NodeId | undefined): PeerClockRow[] {
    const geo = node === undefined ? undefined : this.geoOn(node);
    if (geo === undefined) return [];
    return [...new Set(this.regionOfNode.values())].filter((peer) => peer !== geo.region).sort().map((peer) => ({ peer, clock: geo.clocks.measurement(peer), refused: geo.clocks.isRefused(peer) }));
  }

  private statusCells(nodes: readonly NodeId[], shards: readonly string[]): [string, string, string, string] {
    const states = shards.map((shard) => this.freshestState(nodes, shard)).filter((state): state is GeoShardState => state !== undefined);
    const peers = states[0]?.settings.peers ?? [];
    const applied = peers.map((peer) => `${peer}:${states.reduce((sum, state) => sum + state.appliedFrom(peer), 0)}${states.some((state) => state.needsRepairFrom(peer)) ? ' (repairing)' : ''}`);
    const sum = (of: (state: GeoShardState) => number): string => String(states.reduce((total, state) => total + of(state), 0));
    return [sum((state) => state.store.size), sum((state) => state.lastSeq), sum((state) => state.retainedChanges), applied.join(', ')];
  }

  // ---- oracles ------------------------------------------------------------------------------------

  /**
   * Exactly once, per shard stream (origin region, shard) and destination: the destination
   * applied every change the origin made (its receive cursor is at the origin's last
   * sequence), each exactly once (changes applied, counted one by one, equal the cursor
   * minus the changes a reset skipped and anti-entropy repaired instead); and the running
   * replicas of each shard that applied as far as its leader hold the same state.
   */
  checkDelivery(regions: readonly RegionServers[]): DeliveryReport {
    const problems: string[] = [];
    let streams = 0;
    let changes = 0;
    for (const origin of regions) {
      for (const shard of this.maps.get(origin.region)!.shards.map((entry) => entry.id)) {
        const source = this.freshestState(origin.serverNodes, shard);
        if (source === undefined) continue;
        for (const destination of regions) {
          if (destination === origin) continue;
          const target = this.freshestState(destination.serverNodes, shard);
          if (target === undefined) continue;
          streams++;
          changes += source.lastSeq;
          problems.push(...streamProblems(origin.region, destination.region, shard, source, target));
        }
      }
    }
    for (const region of regions) problems.push(...this.replicaDisagreements(region));
    return { streams, changes, problems };
  }

  /** Every shard of every region is led by its preferred node, which a majority follows. */
  isReady(): boolean {
    for (const [region, map] of this.maps) {
      for (const shard of map.shards) {
        const leader = this.leaderOf(region, shard.id);
        if (leader === undefined || leader !== shard.preferredLeader) return false;
        const status = this.raftOn(leader)!.group(shard.id)!.status();
        const followers = status.config.voters.filter((node) => this.sim!.node(node).state === 'running' && this.raftOn(node)?.group(shard.id)?.status().leader === leader);
        if (followers.length * 2 <= status.config.voters.length || status.commitIndex < 1) return false;
      }
    }
    return true;
  }

  /** The expected leader of the key's shard in the region (clients ask it first). */
  clientTarget(region: RegionId, fullKey: string): NodeId | undefined {
    const map = this.maps.get(region);
    return map === undefined ? undefined : shardForKey(map, fullKey)?.preferredLeader;
  }

  /**
   * A commit in the region: the leader's fsync, a round trip to the followers with their
   * fsync, then apply (Raft §5.3).
   */
  commitMs(inRegionLatencyMs: number): number {
    return 2 * inRegionLatencyMs + 2 * this.tuning.fsyncLatencyMs;
  }

  isDelivered(): boolean {
    const regions = [...this.maps.keys()];
    for (const origin of regions) {
      for (const shard of this.maps.get(origin)!.shards) {
        const source = this.freshestState(this.serverNodes(origin), shard.id);
        if (source === undefined) return false;
        for (const destination of regions) {
          if (destination === origin) continue;
          const target = this.freshestState(this.serverNodes(destination), shard.id);
          if (target === undefined || target.appliedFrom(origin) < source.lastSeq) return false;
        }
      }
    }
    return true;
  }

  private replicaDisagreements(region: RegionServers): string[] {
    const problems: string[] = [];
    for (const shard of this.maps.get(region.region)!.shards) {
      const replicas = region.serverNodes.filter((node) => this.sim!.node(node).state === 'running' && this.raftOn(node)?.group(shard.id) !== undefined);
      const highest = Math.max(...replicas.map((node) => this.raftOn(node)!.group(shard.id)!.applied));
      const caughtUp = replicas.filter((node) => this.raftOn(node)!.group(shard.id)!.applied === highest);
      const digests = new Set(caughtUp.map((node) => this.statesOnNode.get(node)!.get(shard.id)!.digest()));
      if (digests.size > 1) problems.push(`${region.region} ${shard.id}: replicas ${caughtUp.join(', ')} applied up to ${highest} but hold different states`);
    }
    return problems;
  }

  // ---- plumbing -------------------------------------------------------------------------------------

  private runtimeOn(node: NodeId): NodeRuntime | undefined {
    const instance = this.sim?.hasNode(node) ? this.sim.node(node).instance : null;
    return instance instanceof NodeRuntime ? instance : undefined;
  }

  raftOn(node: NodeId): RaftService | undefined {
    return this.runtimeOn(node)?.service<RaftService>('raft');
  }

  geoOn(node: NodeId): RegionNodeService | undefined {
    return this.runtimeOn(node)?.service<RegionNodeService>(GEO_NAMESPACE);
  }

  kvOn(node: NodeId): KvServer | undefined {
    return this.runtimeOn(node)?.service<KvServer>('kv');
  }

  /** The node leading a shard in a region now (the running leader with the highest term). */
  leaderOf(region: RegionId, shard: string): NodeId | undefined {
    let best: { node: NodeId; term: number } | undefined;
    for (const node of this.serverNodes(region)) {
      if (this.sim!.node(node).state !== 'running') continue;
      const status = this.raftOn(node)?.group(shard)?.status();
      if (status?.role === 'leader' && (best === undefined || status.term > best.term)) best = { node, term: status.term };
    }
    return best?.node;
  }

  /** The region's running nodes, those leading the most shards first, then by name. */
  leadersFirst(region: RegionId): NodeId[] {
    const leads = new Map<NodeId, number>();
    for (const shard of this.shardIds(region)) {
      const leader = this.leaderOf(region, shard);
      if (leader !== undefined) leads.set(leader, (leads.get(leader) ?? 0) + 1);
    }
    const running = this.serverNodes(region).filter((node) => this.sim!.node(node).state === 'running');
    return running.sort((a, b) => (leads.get(b) ?? 0) - (leads.get(a) ?? 0) || (a < b ? -1 : 1));
  }

  /** The shard of a "keyspace/key" in a region. */
  shardOf(region: RegionId, fullKey: string): string {
    const map = this.maps.get(region);
    if (map === undefined) throw new Error(`no region ${region}`);
    return shardForKey(map, fullKey)!.id;
  }

  shardIds(region: RegionId): string[] {
    return (this.maps.get(region)?.shards ?? []).map((shard) => shard.id);
  }

  /** The shard state module of a shard on a node (while it runs). */
  stateOn(node: NodeId, shard: string): GeoShardState | undefined {
    return this.sim?.node(node).state === 'running' ? this.statesOnNode.get(node)?.get(shard) : undefined;
  }
}

function streamProblems(origin: RegionId, destination: RegionId, shard: string, source: GeoShardState, target: GeoShardState): string[] {
  const problems: string[] = [];
  const cursor = target.appliedFrom(origin);
  if (cursor !== source.lastSeq) problems.push(`${origin} → ${destination} ${shard}: ${destination} applied up to change ${cursor}, but ${origin} made ${source.lastSeq}`);
  const once = cursor - target.skippedFrom(origin);
  if (target.appliedCountFrom(origin) !== once) problems.push(`${origin} → ${destination} ${shard}: ${target.appliedCountFrom(origin)} changes took effect for ${once} delivered (each must take effect once)`);
  return problems;
}

/** Shards' key stores seen as one region's data (or one shard's, when `single`). */
function unionData(states: readonly GeoShardState[], indexOf: (fullKey: string) => number, single: boolean): RegionData {
  const storeOf = (fullKey: string) => (single ? states[0].store : states[indexOf(fullKey)]?.store);
  return {
    get size() {
      return states.reduce((sum, state) => sum + state.store.size, 0);
    },
    get: (fullKey): StoredKey | undefined => storeOf(fullKey)?.get(fullKey),
    stateOf: (fullKey) => storeOf(fullKey)?.stateOf(fullKey),
    *entries() {
      for (const state of states) yield* state.store.entries();
    },
    rootHex: () => (states.length === 1 ? states[0].store.tree.rootHex() : digestHex(states.map((state) => state.store.tree.rootHex()).join('|'))),
  };
}
