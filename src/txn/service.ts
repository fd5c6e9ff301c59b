import type { Refusal } from '../auth/types';
import type { KvServer } from '../kv/server';
import type { NodeService } from '../runtime/node-runtime';
import type { Message, NodeEnv, NodeId } from '../runtime/ports';
import type { RaftService } from '../runtime/raft-service';
import type { ShardMap } from '../sharding/shard-map';
import { TxnCoordinator } from './coordinator';
import { ParticipantServer } from './participant-server';
import { isClientRequest, isShardRequest, isShardResponse } from './protocol';
import { TxnRecordCollector } from './record-collector';
import { TxnRecovery } from './recovery';
import type { TxnSettings } from './settings';
import { ShardCaller } from './shard-caller';

export interface TxnServiceDeps {
  readonly kv: KvServer;
  readonly raft: RaftService;
  readonly shardMap: () => ShardMap;
  readonly settings: TxnSettings;
  /** Told of every transaction refused for lack of permission (the audit log). */
  readonly audit?: (node: NodeId, request: string, refusal: Refusal) => void;
}

/**
 * The transaction service of a server node (namespace `txn`): the coordinator for the
 * clients that chose this node, the participant server for the shard groups this node
 * leads, and the recovery that finishes transactions whose coordinator went quiet.
 * Everything it keeps in memory is rebuilt or abandoned safely on a restart: what must
 * survive is in the shards' replicated state.
 */
export class TxnService implements NodeService {
  readonly coordinator: TxnCoordinator;
  readonly participant: ParticipantServer;
  readonly recovery: TxnRecovery;
  readonly collector: TxnRecordCollector;
  private readonly caller: ShardCaller;

  constructor(env: NodeEnv, deps: TxnServiceDeps) {
    const tuning = deps.settings.tuning;
    const hooks = () => deps.settings.hooks;
    this.caller = new ShardCaller(env, deps.shardMap, tuning);
    const groups = {
      group: (shardId: string) => deps.raft.group(shardId),
      machine: (shardId: string) => deps.kv.machine(shardId),
      hooks,
    };
    this.participant = new ParticipantServer(env, groups, tuning);
    this.coordinator = new TxnCoordinator(env, { shardMap: deps.shardMap, caller: this.caller, hooks, audit: deps.audit }, tuning);
    this.recovery = new TxnRecovery(env, { ...groups, groupIds: () => deps.raft.groupIds, shardMap: deps.shardMap, caller: this.caller, hooks }, tuning);
    this.collector = new TxnRecordCollector(env, { ...groups, groupIds: () => deps.raft.groupIds, caller: this.caller }, tuning);
    this.recovery.start();
    if (tuning.collectEndedTransactions) this.collector.start();
    deps.kv.onTransactionsHeld = () => {
      this.recovery.start();
      if (tuning.collectEndedTransactions) this.collector.start();
    };
  }

  /** Answers to this node's shard calls (lock, commit, recovery) ignored because a node not asked sent them. */
  get answersNotAsked(): number {
    return this.caller.answersNotAsked;
  }

  onMessage(from: NodeId, message: Message): void {
    if (isShardResponse(message)) this.caller.onResponse(from, message);
    else if (isShardRequest(message)) this.participant.onRequest(from, message);
    else if (isClientRequest(message)) this.coordinator.onRequest(from, message);
  }
}
