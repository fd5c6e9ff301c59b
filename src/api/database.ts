import { KvClient } from '../kv/client';
import { HistoryRecorder } from '../kv/history';
import { KvServer } from '../kv/server';
import { RaftSafetyChecker } from '../raft';
import { NodeRuntime } from '../runtime/node-runtime';
import type { NodeEnv, NodeId } from '../runtime/ports';
import { DEFAULT_RAFT_TUNING, type RaftGroupHost, type RaftObserver, type RaftTuning } from '../runtime/raft-host';
import { RaftService } from '../runtime/raft-service';
import { TxnService } from '../txn/service';
import { TxnSettings } from '../txn/settings';
import { emptyShardMap, findShard, planShards, type ShardMap } from '../sharding/shard-map';
import type { Simulation } from '../sim';

export interface DatabaseOptions {
  shards: number;
  replicationFactor: number;
  /** Nodes that host replicas; all current nodes by default. */
  nodes?: readonly NodeId[];
}

/** Client timing: generous deadlines so that operations outlive a leader election. */
const CLIENT_REQUEST_TIMEOUT_MS = 250;
const CLIENT_DEADLINE_MS = 10_000;

/**
 * The sharded, replicated key-value store of a cluster: the shard map (the single place
 * that says where data lives), one Raft group per shard with a safety checker watching
 * it, and the clients with their shared history.
 */
export class ShardedDatabase {
  shardMap: ShardMap = emptyShardMap();
  readonly safetyCheckers = new Map<string, RaftSafetyChecker>();
  readonly history = new HistoryRecorder({ model: 'register' });
  /** What every node's transaction service reads: timing and failpoints (src/txn/). */
  readonly txnSettings = new TxnSettings();
  private readonly clients = new Map<string, KvClient>();

  constructor(
    private readonly sim: Simulation,
    private readonly tuning: RaftTuning = DEFAULT_RAFT_TUNING,
  ) {}

  /** Registers the Raft and KV services on a node process (every server node has them). */
  installServices(env: NodeEnv, runtime: NodeRuntime): void {
    const kv = new KvServer(env, { shardMap: () => this.shardMap, leaderBalanceIntervalMs: 1000 });
    const raft = new RaftService(env, {
      tuning: this.tuning,
      createMachine: (groupId) => kv.machineFor(groupId),
      observerFor: (groupId) => this.observerFor(groupId),
    });
    kv.attach(raft);
    runtime.register('raft', raft);
    runtime.register('kv', kv);
    runtime.register('txn', new TxnService(env, { kv, raft, shardMap: () => this.shardMap, settings: this.txnSettings }));
  }

  /** Places the shards and starts one Raft group per shard on its replicas. */
  create(options: DatabaseOptions): ShardMap {
    if (this.shardMap.shards.length > 0) throw new Error('the database already exists');
    const nodes = options.nodes ?? this.sim.nodeIds.filter((id) => this.raftOn(id) !== undefined);
    if (options.replicationFactor > nodes.length) {
      throw new Error(`a replication factor of ${options.replicationFactor} needs at least that many nodes; there are ${nodes.length}`);
    }
    this.shardMap = planShards({
      nodes: nodes.map((id) => ({ id, zone: this.sim.node(id).metadata.zone })),
      shardCount: options.shards,
      replicationFactor: options.replicationFactor,
      random: this.sim.random.stream('placement'),
    });
    for (const shard of this.shardMap.shards) {
      for (const replica of shard.replicas) {
        const raft = this.raftOn(replica);
        if (!raft) throw new Error(`${replica} is not running, so it cannot host ${shard.id}`);
        raft.ensureGroup({ groupId: shard.id, bootstrapConfig: { voters: shard.replicas, learners: [] } });
      }
    }
    return this.shardMap;
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

  /** True when the shard has a leader that a majority of its voters follow in its term. */
  hasStableLeader(shardId: string): boolean {
    const leader = this.leaderOf(shardId);
    if (!leader) return false;
    const leaderStatus = this.replica(shardId, leader)!.status();
    const voters = leaderStatus.config.voters;
    const followers = voters.filter((node) => {
      const status = this.replica(shardId, node)?.status();
      return status !== undefined && status.term === leaderStatus.term && status.leader === leader;
    });
    return followers.length * 2 > voters.length;
  }

  shardIds(): string[] {
    return this.shardMap.shards.map((shard) => shard.id);
  }

  preferredLeader(shardId: string): NodeId | undefined {
    return findShard(this.shardMap, shardId)?.preferredLeader;
  }

  /** A client on its own (non-member) node; created on first use. */
  client(name: string): KvClient {
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
    });
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
    let checker = this.safetyCheckers.get(groupId);
    if (!checker) {
      checker = new RaftSafetyChecker();
      this.safetyCheckers.set(groupId, checker);
    }
    const safety = checker;
    return {
      // A fresh process is never a leader, whatever it was before it crashed.
      onStart: (node) => safety.onStepDown(node),
      onLeader: (node, term) => safety.onLeader(node, term),
      onStepDown: (node) => safety.onStepDown(node),
      onPersist: (node, ready) => safety.onPersist(node, ready),
      onSnapshot: (node, snapshot) => safety.onSnapshot(node, snapshot),
      onApply: (node, entry) => safety.onApply(node, entry),
    };
  }
}
