import { AuditLog } from '../auth/audit';
import type { Principal } from '../auth/types';
import { KvClient } from '../kv/client';
import { HistoryRecorder } from '../kv/history';
import { KvServer } from '../kv/server';
import { type ConfigChange, type ConfigChangeResult, type Entry, RaftSafetyChecker, RaftSafetyViolation, type RaftStatus, type RaftTiming, type TransferResult } from '../raft';
import { NodeRuntime } from '../runtime/node-runtime';
import type { NodeEnv, NodeId } from '../runtime/ports';
import { DEFAULT_RAFT_TUNING, type RaftGroupHost, type RaftObserver, type RaftTuning } from '../runtime/raft-host';
import { RaftService } from '../runtime/raft-service';
import { TxnService } from '../txn/service';
import { TxnSettings } from '../txn/settings';
import { findShard, planShards, setPreferredLeader, type ShardMap } from '../sharding/shard-map';
import type { NodeMetadata, Simulation } from '../sim';
import { placementGroupId } from '../placement/state-machine';
import type { TableGoal } from '../placement/survival';
import { plainInput } from '../util/wire-copy';
import { followedByMajority } from './leadership';
import { PlacementGroup } from './placement-group';

export interface DatabaseOptions {
  shards: number;
  replicationFactor: number;
  /** Nodes that host replicas; all current nodes by default. */
  nodes?: readonly NodeId[];
  /** Compact a replica's log after this many applied entries (the tuning's value by default). */
  snapshotThreshold?: number;
  /** Most log entries one append message carries (the tuning's value by default). */
  maxEntriesPerMessage?: number;
  /** Logs written to replicas' disks before their groups start (see `seedReplicaLog`). */
  seededLogs?: ReadonlyMap<NodeId, SeededLog>;
  /** Nodes hosting the placement group (up to three of the nodes, spread over zones, by default). */
  placementNodes?: readonly NodeId[];
  /** A map placed elsewhere (regional tables: src/api/regional-database.ts) instead of `planShards`'. */
  map?: ShardMap;
  /** Tables' survival goals, committed with the first map (src/placement/survival.ts). */
  goals?: readonly TableGoal[];
}

/**
 * Who asks for a membership change: a person through the admin API (judged against the
 * role table: admins only once authentication is on), or a component of the cluster acting
 * for it (the migration executor, as PD's schedulers do), which is a member admitted through
 * the join handshake rather than a user.
 */
export type MembershipActor = { readonly user: Principal | undefined } | typeof CLUSTER_COMPONENT;
export const CLUSTER_COMPONENT = 'cluster-component' as const;

/** A membership change's answer: Raft's, or a refusal of the user who asked. */
export type MembershipChangeResult =
  | ConfigChangeResult
  | { readonly ok: false; readonly reason: 'forbidden'; readonly text: string }
  /** A node is added only while it runs: it needs a new, empty replica to join with (openJoiningReplica). */
  | { readonly ok: false; readonly reason: 'node-not-running'; readonly text: string };

/** A replica's log written to its disk before the replica starts (paper Figures 7 and 8). */
export interface SeededLog {
  /** The term of each entry, from index 1 on. */
  readonly terms: readonly number[];
  /** The replica's durable current term; at least the last entry's term. */
  readonly currentTerm: number;
}

/** A read served by one replica through its read barrier, as a scenario watches it. */
export interface ReplicaRead {
  readonly node: NodeId;
  readonly key: string;
  /** Set when the replica answered: ok with the value it read, or refused with a reason. */
  outcome: { ok: true; value: string | null } | { ok: false; reason: string } | undefined;
}

/** One replica of a group, as the consensus status table shows it. */
export interface ReplicaStatusRow {
  readonly node: NodeId;
  readonly process: string;
  readonly role: string;
  readonly term: number | null;
  readonly leader: NodeId | null;
  readonly commitIndex: number | null;
  readonly appliedIndex: number | null;
  readonly lastIndex: number | null;
  readonly snapshotIndex: number | null;
}

/** A replica became leader of a term. */
export interface Election {
  readonly term: number;
  readonly node: NodeId;
  readonly atMs: number;
}

/** A leader's commit that advanced to an entry of an older term (the Figure 8 rule broken). */
export interface CommitRuleViolation {
  readonly groupId: string;
  readonly node: NodeId;
  readonly leaderTerm: number;
  readonly commitIndex: number;
  readonly entryTerm: number | undefined;
}

/** Disk keys of a group's replica; the layout of src/runtime/raft-host.ts. */
function raftDiskKeys(groupId: string): { hardState: string; log: string } {
  return { hardState: `raft/${groupId}/hard-state`, log: `raft/${groupId}/log` };
}

/** Replicas of the placement group: a majority survives the crash of any one node. */
const PLACEMENT_REPLICAS = 3;

/** Client timing: generous deadlines so that operations outlive a leader election. */
const CLIENT_REQUEST_TIMEOUT_MS = 250;
const CLIENT_DEADLINE_MS = 10_000;

/**
 * The sharded, replicated key-value store of a cluster: the shard map (the single place
 * that says where data lives), one Raft group per shard with a safety checker watching
 * it, and the clients with their shared history.
 */
export class ShardedDatabase {
  /** The placement service: the one authority on where data lives (src/placement/). */
  readonly placement: PlacementGroup;
  readonly safetyCheckers = new Map<string, RaftSafetyChecker>();
  /**
   * When set, a Raft safety violation is recorded in `safetyViolations` instead of thrown
   * into whatever advanced time, so that a scenario step and the After hook can report it
   * (the scenario still fails). Off by default: unit tests and benchmarks stop at once.
   */
  recordSafetyViolations = false;
  readonly safetyViolations: RaftSafetyViolation[] = [];
  readonly history = new HistoryRecorder({ model: 'register' });
  /** What every node's transaction service reads: timing and failpoints (src/txn/). */
  readonly txnSettings = new TxnSettings();
  /** Every request refused for lack of permission, as the serving nodes reported it (src/auth/). */
  readonly audit: AuditLog;
  private readonly clients = new Map<string, KvClient>();
  private readonly serviceInstallers: ((env: NodeEnv, runtime: NodeRuntime) => void)[] = [];
  /** Leader commits checked against the Figure 8 rule, and the first one that broke it. */
  leaderCommitsChecked = 0;
  private firstCommitRuleViolation: CommitRuleViolation | null = null;
  /** Per group and node, snapshots the replica received from a leader and installed. */
  private readonly installedSnapshots = new Map<string, number>();
  /** Per group, every leader in the order they took office. */
  private readonly electionRecords = new Map<string, Election[]>();
  private readonly tuning: RaftTuning;
  /** Processing time of one client request on a server node (its CPU; 0: instant). Elastic scaling sets it. */
  kvServiceTimeMs = 0;
  /** Each Raft group's timing from where its voters stand (a store across regions sets it; src/raft/timing.ts). Unset: the tuning's. */
  raftTimingFor: ((voters: readonly NodeId[], tuning: Readonly<RaftTuning>) => RaftTiming | undefined) | undefined;

  constructor(
    private readonly sim: Simulation,
    tuning: RaftTuning = DEFAULT_RAFT_TUNING,
  ) {
    // A copy every node's Raft service shares, so that create() can still set the snapshot threshold.
    this.tuning = { ...tuning };
    this.audit = new AuditLog(() => sim.nowMs);
    this.placement = new PlacementGroup(sim, {
      raftOn: (node) => this.raftOn(node),
      kvOn: (node) => this.kvOn(node),
      onBootstrapped: (node, snapshot) => this.checkerFor(placementGroupId).onPersist(node, { entries: [], snapshot }),
    });
  }

  /** The latest shard map the placement group committed (empty before `create()`). */
  get shardMap(): ShardMap {
    return this.placement.map;
  }

  /** Registers the Raft and KV services on a node process (every server node has them). */
  installServices(env: NodeEnv, runtime: NodeRuntime): void {
    const audit = (node: NodeId, request: string, refusal: Parameters<AuditLog['record']>[2]): void => this.audit.record(node, request, refusal);
    const kv = new KvServer(env, { shardMap: () => this.shardMap, leaderBalanceIntervalMs: 1000, audit, serviceTimeMs: () => this.kvServiceTimeMs });
    const raft = new RaftService(env, {
      tuning: this.tuning,
      createMachine: (groupId) => (groupId === placementGroupId ? this.placement.machineFor(env.id) : kv.machineFor(groupId)),
      observerFor: (groupId) => this.observerFor(groupId),
      timingFor: (voters) => this.raftTimingFor?.(voters, this.tuning),
    });
    kv.attach(raft);
    runtime.register('raft', raft);
    runtime.register('kv', kv);
    runtime.register('txn', new TxnService(env, { kv, raft, shardMap: () => this.shardMap, settings: this.txnSettings, audit }));
    runtime.register('placement', this.placement.serviceFor(env, kv, raft));
    for (const install of this.serviceInstallers) install(env, runtime);
  }

  /**
   * Adds a service to every server node: the running ones now, and every node started or
   * restarted later (queries use it; see src/api/query-engine.ts).
   */
  addServiceInstaller(install: (env: NodeEnv, runtime: NodeRuntime) => void): void {
    this.serviceInstallers.push(install);
    for (const node of this.sim.nodes) {
      const runtime = node.state === 'running' ? node.instance : null;
      if (runtime instanceof NodeRuntime && runtime.service('kv') !== undefined) install(runtime.env, runtime);
    }
  }

  /** Places the shards and starts one Raft group per shard on its replicas. */
  create(options: DatabaseOptions): ShardMap {
    if (this.shardMap.shards.length > 0) throw new Error('the database already exists');
    const nodes = options.nodes ?? this.sim.nodeIds.filter((id) => this.raftOn(id) !== undefined);
    if (options.replicationFactor > nodes.length) {
      throw new Error(`a replication factor of ${options.replicationFactor} needs at least that many nodes; there are ${nodes.length}`);
    }
    this.tuning.snapshotThreshold = positiveOr(options.snapshotThreshold, this.tuning.snapshotThreshold, 'snapshot threshold');
    this.tuning.maxEntriesPerMessage = positiveOr(options.maxEntriesPerMessage, this.tuning.maxEntriesPerMessage, 'limit on entries per message');
    // A map or goals handed in go into the placement group's log as they are: plain data, copied.
    const map = options.map !== undefined ? plainInput(options.map, 'the shard map') : planShards({
      nodes: nodes.map((id) => ({ id, zone: this.sim.node(id).metadata.zone })),
      shardCount: options.shards,
      replicationFactor: options.replicationFactor,
      random: this.sim.random.stream('placement'),
    });
    this.placement.bootstrap(options.placementNodes ?? this.choosePlacementNodes(nodes), map, options.goals === undefined ? undefined : plainInput(options.goals, 'the survival goals'));
    for (const shard of this.shardMap.shards) {
      for (const replica of shard.replicas) {
        const raft = this.raftOn(replica);
        if (!raft) throw new Error(`${replica} is not running, so it cannot host ${shard.id}`);
        const seededLog = options.seededLogs?.get(replica);
        if (seededLog !== undefined) this.seedReplicaLog(replica, shard.id, seededLog);
        raft.ensureGroup({ groupId: shard.id, bootstrapConfig: { voters: shard.replicas, learners: [] } });
      }
    }
    return this.shardMap;
  }

  /** Three nodes (or all, if fewer) for the placement group, each in a zone not used yet when possible. */
  private choosePlacementNodes(nodes: readonly NodeId[]): NodeId[] {
    const chosen: NodeId[] = [];
    const zones = new Set<string>();
    for (const node of nodes) {
      const zone = this.sim.node(node).metadata.zone;
      if (chosen.length < PLACEMENT_REPLICAS && (zone === undefined || !zones.has(zone))) {
        chosen.push(node);
        if (zone !== undefined) zones.add(zone);
      }
    }
    for (const node of nodes) if (chosen.length < PLACEMENT_REPLICAS && !chosen.includes(node)) chosen.push(node);
    return chosen;
  }

  raftOn(node: NodeId): RaftService | undefined {
    const runtime = this.sim.hasNode(node) ? this.sim.node(node).instance : null;
    return runtime instanceof NodeRuntime ? runtime.service<RaftService>('raft') : undefined;
  }

  kvOn(node: NodeId): KvServer | undefined {
    const runtime = this.sim.hasNode(node) ? this.sim.node(node).instance : null;
    return runtime instanceof NodeRuntime ? runtime.service<KvServer>('kv') : undefined;
  }

  /** The replica of a shard on a node, if that node is up and hosts one. */
  replica(shardId: string, node: NodeId): RaftGroupHost | undefined {
    const simNode = this.sim.hasNode(node) ? this.sim.node(node) : undefined;
    if (simNode?.state !== 'running') return undefined;
    return this.raftOn(node)?.group(shardId);
  }

  /** Running nodes that host a replica of the shard (its configuration may have grown). */
  replicaNodes(shardId: string): NodeId[] {
    return this.sim.nodeIds.filter((id) => this.replica(shardId, id) !== undefined);
  }

  /** The running leader with the highest term, if any. */
  leaderOf(shardId: string): NodeId | undefined {
    let best: { node: NodeId; term: number } | undefined;
    for (const node of this.replicaNodes(shardId)) {
      const status = this.replica(shardId, node)!.status();
      if (status.role === 'leader' && (!best || status.term > best.term)) best = { node, term: status.term };
    }
    return best?.node;
  }

  /**
   * The shard's leader when a majority of its voters follow it in its term (as a placement
   * service trusts only a leader its group follows). A leader cut off from its group keeps
   * its role until its check-quorum notices, and meanwhile answers with an old configuration
   * (rebalancing seed 7758: a leader of term 6 that had not noticed the others were in term 8
   * still named as a voter a node being added back as a learner). A replica the group has
   * removed may know a later term (from a campaign nobody answered) without changing this.
   * Decisions taken on a group's configuration ask this one; undefined: no such leader now.
   */
  currentLeaderOf(shardId: string): NodeId | undefined {
    const leader = this.leaderOf(shardId);
    if (leader === undefined) return undefined;
    const leaderStatus = this.replica(shardId, leader)!.status();
    return followedByMajority(leader, leaderStatus, (node) => this.replica(shardId, node)?.status()) ? leader : undefined;
  }

  /** True when the shard has a leader that a majority of its voters follow in its term. */
  hasStableLeader(shardId: string): boolean {
    return this.currentLeaderOf(shardId) !== undefined;
  }

  shardIds(): string[] {
    return this.shardMap.shards.map((shard) => shard.id);
  }

  preferredLeader(shardId: string): NodeId | undefined {
    return findShard(this.shardMap, shardId)?.preferredLeader;
  }

  /** A client on its own (non-member) node; created on first use (`metadata`, such as its region, only then). */
  client(name: string, metadata: NodeMetadata = {}): KvClient {
    let client = this.clients.get(name);
    if (client) return client;
    const nodeId = `client:${name}`;
    this.sim.addNode(nodeId, (env) => {
      client = new KvClient(env, {
        clientId: name,
        shardMapSource: () => this.shardMap,
        history: this.history,
        process: name,
        historyClock: { nowMs: () => this.sim.nowMs },
        requestTimeoutMs: CLIENT_REQUEST_TIMEOUT_MS,
        operationDeadlineMs: CLIENT_DEADLINE_MS,
      });
      const created = client;
      return { onMessage: (from, message) => created.onMessage(from, message) };
    }, metadata, { plainMessages: true }); // the client copies what a user hands it (KvClient.submit, signIn)
    this.clients.set(name, client!);
    return client!;
  }

  get clientNames(): string[] {
    return [...this.clients.keys()];
  }

  /** The first safety violation any group's checker saw, if any. */
  safetyViolation(): Error | null {
    for (const checker of this.safetyCheckers.values()) if (checker.firstViolation) return checker.firstViolation;
    return null;
  }

  private observerFor(groupId: string): RaftObserver {
    const safety = this.checkerFor(groupId);
    const guard = (check: () => void): void => this.guardSafety(check);
    return {
      // A fresh process is never a leader, whatever it was before it crashed.
      onStart: (node) => guard(() => safety.onStepDown(node)),
      // What a restarted replica loaded is durable, reported Ready or not (see RaftObserver.onRestore).
      onRestore: (node, restored) => guard(() => safety.onPersist(node, restored)),
      onLeader: (node, term) => {
        guard(() => safety.onLeader(node, term));
        this.recordElection(groupId, node, term);
      },
      onStepDown: (node) => guard(() => safety.onStepDown(node)),
      // The two calls of every write catch inline rather than through a closure made per call.
      onPersist: (node, ready) => {
        try { safety.onPersist(node, ready); } catch (error) { this.keepSafetyViolation(error); }
        if (ready.snapshot !== undefined) this.countInstalledSnapshot(groupId, node);
      },
      onLeaderCommit: (node, leaderTerm, commitIndex, entryTerm) => this.checkLeaderCommit(groupId, node, leaderTerm, commitIndex, entryTerm),
      onSnapshot: (node, snapshot) => guard(() => safety.onSnapshot(node, snapshot)),
      onApply: (node, entry) => {
        try { safety.onApply(node, entry); } catch (error) { this.keepSafetyViolation(error); }
      },
      onRemove: (node) => guard(() => safety.onReplicaRemoved(node)),
    };
  }

  /** Runs a safety check; records its violation instead of throwing when `recordSafetyViolations` is set. */
  private guardSafety(check: () => void): void {
    try {
      check();
    } catch (error) {
      this.keepSafetyViolation(error);
    }
  }

  /** Records a safety violation when `recordSafetyViolations` is set; rethrows anything else. */
  private keepSafetyViolation(error: unknown): void {
    if (!this.recordSafetyViolations || !(error instanceof RaftSafetyViolation)) throw error;
    // A broken log can repeat the same violation on every message: keep the first few.
    if (this.safetyViolations.length < 20) this.safetyViolations.push(error);
  }

  private checkerFor(groupId: string): RaftSafetyChecker {
    let checker = this.safetyCheckers.get(groupId);
    if (!checker) {
      checker = new RaftSafetyChecker();
      this.safetyCheckers.set(groupId, checker);
    }
    return checker;
  }

  // ---- consensus probes: what the consensus scenarios drive and observe -----------------

  /**
   * Writes a replica's log and current term to a node's disk, in the Raft host's layout,
   * before the group starts there (call it before `create()`). The entries are key-value
   * writes of key "seeded", the same at the same (index, term) on every node, so logs that
   * agree there hold the same commands. The group's safety checker is told, as it would be
   * of anything a replica made durable.
   */
  seedReplicaLog(node: NodeId, groupId: string, log: SeededLog): void {
    const lastTerm = log.terms.length > 0 ? log.terms[log.terms.length - 1] : 0;
    if (log.currentTerm < lastTerm) throw new RangeError(`${node}: current term ${log.currentTerm} is below its last entry's term ${lastTerm}`);
    if (this.replica(groupId, node) !== undefined) throw new Error(`${node} already hosts ${groupId}; seed its log before the group starts`);
    const entries = seededEntries(log.terms);
    const hardState = { term: log.currentTerm, votedFor: null, commitIndex: 0 };
    const disk = this.sim.node(node).disk;
    const keys = raftDiskKeys(groupId);
    disk.put(keys.hardState, hardState);
    disk.put(keys.log, entries);
    disk.sync();
    this.checkerFor(groupId).onPersist(node, { hardState, entries });
  }

  /** The replica starts an election now, as if its election timer had fired (`skipPreVote`: as a candidate at once). */
  campaign(groupId: string, node: NodeId, options: { readonly skipPreVote?: boolean } = {}): void {
    this.requireReplica(groupId, node).campaign(options);
  }

  /**
   * Hands the group's leadership to `to`: it becomes the shard's preferred leader (so leader
   * balancing keeps it there) and the current leader transfers (thesis §3.10).
   */
  transferLeadership(groupId: string, to: NodeId): TransferResult {
    const leader = this.leaderOf(groupId);
    if (leader === undefined) return { ok: false, reason: 'not-leader', leaderHint: null };
    this.placement.ensureMap((map) => {
      const shard = findShard(map, groupId);
      return shard?.replicas.includes(to) && shard.preferredLeader !== to ? setPreferredLeader(map, groupId, to).shards : undefined;
    }, `leadership of ${groupId} handed to ${to}`);
    return this.replica(groupId, leader)!.transferLeadership(to);
  }

  /**
   * Asks the group's leader for a single-server membership change. A node being added
   * first gets an empty replica that learns its configuration from the leader. The shard
   * map's replica list is left as it is.
   */
  changeMembership(groupId: string, change: ConfigChange, actor: MembershipActor = { user: undefined }): MembershipChangeResult {
    const leader = this.currentLeaderOf(groupId);
    if (leader === undefined) return { ok: false, reason: 'not-leader', leaderHint: null };
    if (actor !== CLUSTER_COMPONENT) {
      // The serving replica judges the request against its replicated role table (etcd's
      // RBAC: membership changes are admin operations); everything passes while auth is off.
      const action = `the membership change "${change.type} ${change.node}" of ${groupId}`;
      const decision = this.kvOn(leader)?.machine(groupId)?.auth.authorize(actor.user, 'admin', { kind: 'cluster', action });
      if (decision === undefined) return { ok: false, reason: 'not-leader', leaderHint: null };
      if (!decision.allowed) {
        this.audit.record(leader, action, decision.refusal);
        return { ok: false, reason: 'forbidden', text: decision.refusal.text };
      }
    }
    if (change.type === 'add-learner' || change.type === 'add-voter') {
      if (!this.openJoiningReplica(groupId, change.node)) {
        return { ok: false, reason: 'node-not-running', text: `${change.node} is not running: it can join ${groupId} only with a new replica, made while it runs` };
      }
    }
    return this.replica(groupId, leader)!.proposeConfigChange(change);
  }

  /**
   * Gives `node` the empty replica of `groupId` that a membership change is about to add, unless
   * it holds a member's replica already (a retried step). A copy the group's committed
   * configuration no longer names (left on a node that was down when its removal committed,
   * before replica GC got to it) is deleted first: its log and configuration belong to the
   * replica that was removed, and one that came back with them could campaign on that old
   * configuration. The new replica joins at the group's commit index, in the term of the
   * group's current leader (JoiningReplica); a later term its node kept in a tombstone wins.
   * False, and nothing happens, on a node that is not running (its copy could not be
   * replaced), or while the group has no current leader (`currentLeaderOf`): no term to join in.
   */
  openJoiningReplica(groupId: string, node: NodeId): boolean {
    const raft = this.raftOn(node);
    const leader = this.currentLeaderOf(groupId);
    if (raft === undefined || this.sim.node(node).state !== 'running' || leader === undefined) return false;
    const leaderStatus = this.replica(groupId, leader)!.status();
    const existing = this.replica(groupId, node)?.status();
    if (existing !== undefined) {
      if (!isLeftBehind(leaderStatus, node)) return true;
      // An empty replica that knows no configuration yet, in this leader's term: one opened for
      // this very join (the mover opens it, then asks for the change), so what would be made again.
      const empty = existing.lastIndex === 0 && existing.config.voters.length === 0 && existing.config.learners.length === 0;
      if (empty && existing.term >= leaderStatus.term) return true;
      this.deleteReplica(node, groupId);
    }
    raft.ensureGroup({ groupId, bootstrapConfig: { voters: [], learners: [] }, joinIndex: this.joinIndexFor(groupId), joinTerm: leaderStatus.term });
    return true;
  }

  /**
   * The join index of a replica of `groupId` about to be created on `node` (RaftOptions.joinIndex):
   * the highest commit index a replica of the group knows (the leader's, when there is one). A
   * replica this node had before was deleted only after the entry removing it committed, so a
   * log that reaches this index holds that removal, while an older snapshot may still name the
   * old replica a voter: the new one neither votes nor campaigns before its log gets there. A
   * committed index stays in every later log, so the new replica always gets there (an
   * uncommitted last index might be cut away and never be reached).
   */
  joinIndexFor(groupId: string): number {
    return Math.max(0, ...this.replicaNodes(groupId).map((node) => this.replica(groupId, node)!.status().commitIndex));
  }

  /**
   * Deletes a node's replica of a group and its data (a finished replica move, a merged-away
   * shard, replica GC). False when the node is down or holds none; the caller retries later.
   */
  deleteReplica(node: NodeId, groupId: string): boolean {
    if (this.sim.node(node).state !== 'running') return false;
    const removed = this.raftOn(node)?.removeGroup(groupId) ?? false;
    if (removed) this.kvOn(node)?.dropMachine(groupId);
    return removed;
  }

  /** Reads a key on one replica through its read barrier (ReadIndex), bypassing client routing. */
  readOnReplica(groupId: string, node: NodeId, key: string): ReplicaRead {
    const read: ReplicaRead = { node, key, outcome: undefined };
    const host = this.requireReplica(groupId, node);
    host.readBarrier((outcome) => {
      if (!outcome.ok) read.outcome = { ok: false, reason: outcome.reason };
      else read.outcome = { ok: true, value: this.kvOn(node)?.machine(groupId)?.read(key) ?? null };
    });
    return read;
  }

  /** The value a replica's state machine holds for a key right now (no read barrier). */
  localValue(groupId: string, node: NodeId, key: string): string | null | undefined {
    if (this.replica(groupId, node) === undefined) return undefined;
    return this.kvOn(node)?.machine(groupId)?.read(key);
  }

  /** A digest of a replica's state machine: equal on replicas that applied the same entries. */
  stateDigest(groupId: string, node: NodeId): string | undefined {
    if (this.replica(groupId, node) === undefined) return undefined;
    return this.kvOn(node)?.machine(groupId)?.digest();
  }

  /** The terms of a replica's log entries after its snapshot, and the snapshot's index. */
  logTerms(groupId: string, node: NodeId): { snapshotIndex: number; terms: (number | undefined)[] } {
    const host = this.requireReplica(groupId, node);
    const status = host.status();
    const terms: (number | undefined)[] = [];
    for (let index = status.snapshotIndex + 1; index <= status.lastIndex; index++) terms.push(host.raft.termAt(index));
    return { snapshotIndex: status.snapshotIndex, terms };
  }

  /** Snapshots a replica received from a leader and installed, over the whole run. */
  snapshotsInstalled(groupId: string, node: NodeId): number {
    return this.installedSnapshots.get(`${groupId}/${node}`) ?? 0;
  }

  /** Every leader the group had, in the order they took office. */
  elections(groupId: string): readonly Election[] {
    return this.electionRecords.get(groupId) ?? [];
  }

  /** The first leader commit that broke the Figure 8 rule, if any. */
  commitRuleViolation(): CommitRuleViolation | null {
    return this.firstCommitRuleViolation;
  }

  /** One row per node that ever hosted the group (down nodes included), for reports. */
  replicaStatusRows(groupId: string): ReplicaStatusRow[] {
    return this.sim.nodeIds.filter((node) => this.raftOn(node)?.group(groupId) !== undefined || this.hasHostedGroup(node, groupId)).map((node) => {
      const process = this.sim.node(node).state;
      const status = this.replica(groupId, node)?.status();
      return {
        node, process,
        role: status?.role ?? '-',
        term: status?.term ?? null,
        leader: status?.leader ?? null,
        commitIndex: status?.commitIndex ?? null,
        appliedIndex: status?.appliedIndex ?? null,
        lastIndex: status?.lastIndex ?? null,
        snapshotIndex: status?.snapshotIndex ?? null,
      };
    });
  }

  private hasHostedGroup(node: NodeId, groupId: string): boolean {
    const specs = this.sim.node(node).disk.get<{ groupId: string }[]>('raft/groups') ?? [];
    return specs.some((spec) => spec.groupId === groupId);
  }

  private requireReplica(groupId: string, node: NodeId): RaftGroupHost {
    const host = this.replica(groupId, node);
    if (host === undefined) throw new Error(`${node} has no running replica of ${groupId}`);
    return host;
  }

  private recordElection(groupId: string, node: NodeId, term: number): void {
    let records = this.electionRecords.get(groupId);
    if (records === undefined) {
      records = [];
      this.electionRecords.set(groupId, records);
    }
    const last = records[records.length - 1];
    if (last?.term === term && last.node === node) return;
    if (records.some((record) => record.term === term && record.node === node)) return;
    records.push({ term, node, atMs: this.sim.nowMs });
  }

  private countInstalledSnapshot(groupId: string, node: NodeId): void {
    const key = `${groupId}/${node}`;
    this.installedSnapshots.set(key, (this.installedSnapshots.get(key) ?? 0) + 1);
  }

  private checkLeaderCommit(groupId: string, node: NodeId, leaderTerm: number, commitIndex: number, entryTerm: number | undefined): void {
    this.leaderCommitsChecked++;
    if (entryTerm === leaderTerm || this.firstCommitRuleViolation !== null) return;
    this.firstCommitRuleViolation = { groupId, node, leaderTerm, commitIndex, entryTerm };
  }
}

function positiveOr(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && value > 0)) throw new RangeError(`the ${what} must be a positive whole number, got ${value}`);
  return value;
}

/** Seeded entries: a put of key "seeded" whose value names the entry; one client session per term. */
function seededEntries(terms: readonly number[]): Entry[] {
  let termStart = 1;
  return terms.map((term, position) => {
    const index = position + 1;
    if (position === 0 || terms[position - 1] !== term) termStart = index;
    if (!(Number.isInteger(term) && term > 0) || (position > 0 && term < terms[position - 1])) {
      throw new RangeError(`log terms must be positive and never decrease, got ${terms.join(' ')}`);
    }
    const command = { clientId: `seeded-term-${term}`, sequence: index - termStart + 1, operation: { kind: 'put', key: 'seeded', value: `term ${term} index ${index}` } };
    return Object.freeze({ term, index, kind: 'normal' as const, data: command });
  });
}

/**
 * True when a node's copy of a group is one the group has left behind: the configuration of
 * its current leader is committed and does not name the node. Such a copy may know a later
 * term (from a campaign nobody answered), but no leader of a later term can have counted on
 * its log: that leader would have needed votes from the majority that follows this one in
 * its term. Its term and vote stay behind in its tombstone, so the new replica starts there.
 */
function isLeftBehind(leader: RaftStatus, node: NodeId): boolean {
  const member = leader.config.voters.includes(node) || leader.config.learners.includes(node);
  return !member && leader.commitIndex >= leader.configIndex;
}
