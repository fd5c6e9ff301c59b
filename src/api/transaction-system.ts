import type { KvServer } from '../kv/server';
import { NodeRuntime } from '../runtime/node-runtime';
import type { NodeId } from '../runtime/ports';
import type { RaftGroupHost } from '../runtime/raft-host';
import type { RaftService } from '../runtime/raft-service';
import { type ShardMap, shardForKey } from '../sharding/shard-map';
import type { Simulation } from '../sim';
import { TxnClient, type TxnClientOptions } from '../txn/client';
import { TxnHistoryRecorder } from '../txn/history';
import type { ParticipantTxnView, TxnParticipantState } from '../txn/participant-state';
import type { TxnService } from '../txn/service';
import type { RecoveryEvent, TxnSettings } from '../txn/settings';
import type { TxnRecord } from '../txn/types';

/** What the transaction layer needs of the sharded database (src/api/database.ts). */
export interface TxnDatabase {
  readonly shardMap: ShardMap;
  readonly txnSettings: TxnSettings;
  kvOn(node: NodeId): KvServer | undefined;
  raftOn(node: NodeId): RaftService | undefined;
  replica(shardId: string, node: NodeId): RaftGroupHost | undefined;
  leaderOf(shardId: string): NodeId | undefined;
  shardIds(): string[];
}

/**
 * Distributed transactions of one simulated database, as scenarios, benchmarks and tools
 * use them: clients on their own nodes, the shared history, and questions about the
 * participants' replicated state (locks held, transactions in doubt, records, and any
 * broken atomicity the state machines noticed).
 */
export class TransactionSystem {
  readonly history = new TxnHistoryRecorder();
  readonly recoveries: RecoveryEvent[] = [];
  private readonly clients = new Map<string, TxnClient>();

  constructor(
    private readonly sim: Simulation,
    private readonly database: TxnDatabase,
    private readonly clientOptions: Partial<TxnClientOptions> = {},
  ) {
    const hooks = database.txnSettings.hooks;
    const previous = hooks.onRecovered;
    hooks.onRecovered = (event) => {
      previous?.(event);
      this.recoveries.push(event);
    };
  }

  get settings(): TxnSettings {
    return this.database.txnSettings;
  }

  /** A transaction client on its own node `txn-client:<name>`; created on first use. */
  client(name: string): TxnClient {
    let client = this.clients.get(name);
    if (client !== undefined) return client;
    this.sim.addNode(`txn-client:${name}`, (env) => {
      client = new TxnClient(env, {
        clientId: name,
        coordinators: () => this.serverNodes(),
        history: this.history,
        historyClock: { nowMs: () => this.sim.nowMs },
        ...this.clientOptions,
      });
      const created = client;
      return { onMessage: (from, message) => created.onMessage(from, message) };
    }, {}, { plainMessages: true }); // PhantomDB's client: it sends text its caller gave (checked) in messages it builds
    this.clients.set(name, client!);
    return client!;
  }

  /** The names of the clients created so far (each on node `txn-client:<name>`). */
  get clientNames(): string[] {
    return [...this.clients.keys()];
  }

  /** The clients created so far, and how many transactions each has begun. */
  clientCounts(): { client: string; begun: number }[] {
    return [...this.clients].sort(([a], [b]) => (a < b ? -1 : 1)).map(([client, txnClient]) => ({ client, begun: txnClient.begunCount }));
  }

  /** Nodes that host the store (and so a transaction service), running or not. */
  serverNodes(): NodeId[] {
    const nodes = new Set<NodeId>();
    for (const shard of this.database.shardMap.shards) for (const node of shard.replicas) nodes.add(node);
    return [...nodes].sort();
  }

  service(node: NodeId): TxnService | undefined {
    const simNode = this.sim.hasNode(node) ? this.sim.node(node) : undefined;
    const runtime = simNode?.state === 'running' ? simNode.instance : null;
    return runtime instanceof NodeRuntime ? runtime.service<TxnService>('txn') : undefined;
  }

  shardOf(key: string): string {
    const shard = shardForKey(this.database.shardMap, key);
    if (shard === undefined) throw new Error(`no shard owns ${key}: the store has no shards yet`);
    return shard.id;
  }

  /** The transactional state of a shard as its current leader has applied it. */
  leaderState(shardId: string): TxnParticipantState | undefined {
    const leader = this.database.leaderOf(shardId);
    return leader === undefined ? undefined : this.database.kvOn(leader)?.machine(shardId)?.transactions;
  }

  /** Every running replica's transactional state of a shard. */
  replicaStates(shardId: string): { node: NodeId; state: TxnParticipantState }[] {
    const states: { node: NodeId; state: TxnParticipantState }[] = [];
    for (const node of this.sim.nodeIds) {
      if (this.database.replica(shardId, node) === undefined) continue;
      const state = this.database.kvOn(node)?.machine(shardId)?.transactions;
      if (state !== undefined) states.push({ node, state });
    }
    return states;
  }

  /** Transactions holding locks, per shard, as the leaders see them (shards without a leader are skipped). */
  openTransactions(): { shardId: string; txn: ParticipantTxnView }[] {
    const open: { shardId: string; txn: ParticipantTxnView }[] = [];
    for (const shardId of this.database.shardIds()) {
      for (const txn of this.leaderState(shardId)?.transactions() ?? []) open.push({ shardId, txn });
    }
    return open;
  }

  /** True when every shard has a leader and no transaction holds locks anywhere. */
  allResolved(): boolean {
    return this.database.shardIds().every((shardId) => {
      const state = this.leaderState(shardId);
      return state !== undefined && state.transactions().length === 0;
    });
  }

  /** The record of a transaction at the shard of its anchor key, as that shard's leader has it. */
  record(txnId: string, anchorKey: string): TxnRecord | undefined {
    return this.leaderState(this.shardOf(anchorKey))?.record(txnId);
  }

  /**
   * What the shards keep of ended transactions, as each leader has applied it: records and
   * tombstones, summed over the shards (garbage collection brings them back down;
   * src/txn/record-collector.ts). Shards without a leader are left out and named.
   */
  retainedRecords(): { records: number; tombstones: number; perShard: { shardId: string; records: number; tombstones: number }[]; leaderless: string[] } {
    const perShard: { shardId: string; records: number; tombstones: number }[] = [];
    const leaderless: string[] = [];
    for (const shardId of this.database.shardIds()) {
      const state = this.leaderState(shardId);
      if (state === undefined) leaderless.push(shardId);
      else perShard.push({ shardId, records: state.recordCount, tombstones: state.finishedCount });
    }
    const sum = (field: 'records' | 'tombstones'): number => perShard.reduce((total, shard) => total + shard[field], 0);
    return { records: sum('records'), tombstones: sum('tombstones'), perShard, leaderless };
  }

  /** Broken atomicity noticed by any replica's state machine (should be none). */
  violations(): string[] {
    const found = new Set<string>();
    for (const shardId of this.database.shardIds()) {
      for (const { node, state } of this.replicaStates(shardId)) for (const text of state.violations) found.add(`${shardId} on ${node}: ${text}`);
    }
    return [...found];
  }

  /** A one-line picture for time-out errors: open transactions per shard. */
  statusLine(): string {
    const open = this.openTransactions();
    if (open.length === 0) return 'no transaction holds locks';
    return open.map(({ shardId, txn }) => `${shardId}: ${txn.txnId} ${txn.state} [${txn.lockedKeys.join(' ')}]`).join('; ');
  }
}
