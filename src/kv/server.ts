import type { Refusal } from '../auth/types';
import type { NodeService } from '../runtime/node-runtime';
import type { Message, NodeEnv, NodeId, TimerId } from '../runtime/ports';
import type { RaftGroupHost, ReplicatedStateMachine } from '../runtime/raft-host';
import type { RaftService } from '../runtime/raft-service';
import { findShard, type ShardMap, shardForKey } from '../sharding/shard-map';
import { isReadOnly } from './operation';
import { isKvRequest, type KvReply, type KvRequest, responseTo } from './protocol';
import { ShardStateMachine } from '../replica/shard-state-machine';
import type { KvApplyResult, KvCommand } from './kv-module';
import type { StateMachineModule } from '../replica/module';

export interface KvServerOptions {
  /** The authoritative shard map (the placement driver's). */
  shardMap: () => ShardMap;
  /** How often a leader checks whether it should hand leadership to its shard's preferred leader. */
  leaderBalanceIntervalMs: number;
  /** Told of every request this server refused for lack of permission (the audit log). */
  audit?: (node: NodeId, request: string, refusal: Refusal) => void;
  /**
   * Processing time of one client request on this node (its CPU), read on every request; 0 or
   * absent: requests are handled at once. When positive, requests wait their turn in a bounded
   * FIFO queue, so a node given more than 1000 / serviceTimeMs requests a second queues them and
   * its latency grows (elastic scaling measures and relieves exactly that).
   */
  serviceTimeMs?: () => number;
  /**
   * More modules for a shard's state machine, beside the key-value, transaction, role and
   * slot modules (src/replica/shard-state-machine.ts): a deployment composes its own (the
   * georeplication module of a region of many nodes, src/api/geo-regions.ts). Called on
   * every start of a replica; each module owns its entry kind and its snapshot fields.
   */
  modulesFor?: (groupId: string) => readonly StateMachineModule[];
}

/** Work done by one server since its process started (cumulative; the resource monitor derives rates). */
export interface ServerWork {
  /** Client requests taken off the queue and handled (answered or passed to Raft). */
  requestsHandled: number;
  /** Virtual milliseconds of processing those requests took (the node's CPU time). */
  busyMs: number;
}

/** Most client requests one node queues; beyond it a request is refused as overloaded (every queue has a limit). */
const MAX_QUEUED_REQUESTS = 10_000;

/**
 * The key-value server on one node: answers client requests for the shards whose Raft
 * groups it hosts. Writes go through the log (exactly once per client session); reads go
 * through ReadIndex, so a deposed leader never answers from stale state.
 */
export class KvServer implements NodeService {
  private readonly machines = new Map<string, ShardStateMachine>();
  private raft: RaftService | undefined;
  private balanceTimer: TimerId | undefined;
  /** Called when a replica here holds transactions after an apply or a restore (recovery watches them). */
  onTransactionsHeld: (() => void) | undefined;
  /** Reads and writes served per group since the load was last taken (store heartbeats report it). */
  private readonly served = new Map<string, { reads: number; writes: number }>();
  /** Cumulative work of this process (the resource monitor's cpu and requests per second). */
  readonly work: ServerWork = { requestsHandled: 0, busyMs: 0 };
  /** When the node's CPU is next free, and how many requests wait for it. */
  private cpuFreeAtMs = 0;
  private queued = 0;

  constructor(private readonly env: NodeEnv, private readonly options: KvServerOptions) {}

  /** The Raft service hosting this node's groups (set once both exist). */
  attach(raft: RaftService): void {
    this.raft = raft;
    this.scheduleLeaderBalance();
  }

  /** The state machine of a group hosted here; Raft applies to it. */
  machineFor(groupId: string): ReplicatedStateMachine {
    const machine = new ShardStateMachine({ modules: this.options.modulesFor?.(groupId) ?? [] });
    this.machines.set(groupId, machine);
    const watchTransactions = (): void => {
      if (machine.transactions.activeCount > 0) this.onTransactionsHeld?.();
    };
    return {
      apply: (data, index) => {
        // Any module's entry: the machine's host dispatches it by kind (src/replica/host.ts).
        const result = machine.apply(data as Parameters<ShardStateMachine['apply']>[0], index);
        watchTransactions();
        return result;
      },
      snapshot: () => machine.snapshot(),
      restore: (data) => {
        machine.restore(data);
        watchTransactions();
      },
    };
  }

  machine(groupId: string): ShardStateMachine | undefined {
    return this.machines.get(groupId);
  }

  /** Forgets a group's state machine (its replica was removed from this node). */
  dropMachine(groupId: string): void {
    this.machines.delete(groupId);
    this.served.delete(groupId);
  }

  /** Reads and writes served for the group since the last call, and resets the counts. */
  takeServedCounts(groupId: string): { reads: number; writes: number } {
    const counts = this.served.get(groupId) ?? { reads: 0, writes: 0 };
    this.served.delete(groupId);
    return counts;
  }

  private countServed(groupId: string, kind: 'reads' | 'writes'): void {
    let counts = this.served.get(groupId);
    if (counts === undefined) {
      counts = { reads: 0, writes: 0 };
      this.served.set(groupId, counts);
    }
    counts[kind]++;
  }

  onMessage(from: NodeId, message: Message): void {
    if (!isKvRequest(message)) return;
    const serviceMs = this.options.serviceTimeMs?.() ?? 0;
    if (serviceMs <= 0) return this.handle(from, message);
    if (this.queued >= MAX_QUEUED_REQUESTS) return this.env.network.send(from, responseTo(message, { status: 'unavailable', reason: `${this.env.id} is overloaded` }));
    const nowMs = this.env.clock.nowMs();
    this.cpuFreeAtMs = Math.max(nowMs, this.cpuFreeAtMs) + serviceMs;
    this.queued++;
    this.env.timers.setTimer(this.cpuFreeAtMs - nowMs, () => {
      this.queued--;
      this.work.busyMs += serviceMs;
      this.handle(from, message);
    }, 'kv.process');
  }

  private handle(from: NodeId, message: KvRequest): void {
    this.work.requestsHandled++;
    const reply = (answer: KvReply): void => this.env.network.send(from, responseTo(message, answer));
    const group = this.route(message, reply);
    if (!group) return;
    if (isReadOnly(message.operation)) this.read(group, message, reply);
    else this.write(group, message, reply);
  }

  /** Checks epoch and ownership; answers and returns undefined when the request is misrouted. */
  private route(request: KvRequest, reply: (answer: KvReply) => void): RaftGroupHost | undefined {
    const map = this.options.shardMap();
    if (request.epoch !== map.epoch) {
      reply({ status: 'wrong-epoch', currentEpoch: map.epoch });
      return undefined;
    }
    const owner = shardForKey(map, request.operation.key);
    const group = this.raft?.group(request.shardId);
    if (!owner || owner.id !== request.shardId || !group) {
      reply({ status: 'wrong-shard' });
      return undefined;
    }
    return group;
  }

  private read(group: RaftGroupHost, request: KvRequest, reply: (answer: KvReply) => void): void {
    group.readBarrier((outcome) => {
      if (!outcome.ok) return reply({ status: 'not-leader', leaderHint: outcome.leaderHint });
      const machine = this.machines.get(group.groupId);
      if (machine === undefined) return reply({ status: 'wrong-shard' }); // the replica was removed meanwhile
      // The fence, not the map, decides: a replica never serves a slot it gave away or has not received yet.
      if (!machine.serves(request.operation.key)) return reply({ status: 'wrong-shard' });
      // A transaction may have committed a new value through its record that is not applied here yet.
      if (machine.transactions.lockOn(request.operation.key) === 'exclusive') {
        return reply({ status: 'unavailable', reason: `a transaction holds ${request.operation.key}` });
      }
      // Judged after the barrier: a revocation committed before the read arrived applies.
      const decision = machine.auth.authorize(request.principal, 'read', { kind: 'key', key: request.operation.key });
      if (!decision.allowed) return this.refuse(request, decision.refusal, reply);
      const value = machine.read(request.operation.key);
      this.countServed(group.groupId, 'reads');
      reply({ status: 'ok', result: { kind: 'get', value } });
    });
  }

  private write(group: RaftGroupHost, request: KvRequest, reply: (answer: KvReply) => void): void {
    // Frozen through and through: the log hands this very object to every replica in the
    // process, and the message boundary then checks it once, not once per follower
    // (sameVerdictWhileFrozen in src/runtime/wire-check.ts).
    const operation = Object.freeze(request.operation);
    const command: KvCommand = Object.freeze(
      request.principal ? { clientId: request.clientId, sequence: request.sequence, operation, principal: Object.freeze(request.principal) } : { clientId: request.clientId, sequence: request.sequence, operation },
    );
    group.propose(command, (outcome) => {
      if (!outcome.ok) return reply({ status: 'not-leader', leaderHint: outcome.leaderHint });
      const applied = outcome.result as KvApplyResult;
      if (applied.status === 'ok') this.countServed(group.groupId, 'writes');
      if (applied.status === 'ok') reply({ status: 'ok', result: applied.result });
      else if (applied.status === 'locked') reply({ status: 'unavailable', reason: `a transaction holds ${applied.key}` });
      else if (applied.status === 'forbidden') this.refuse(request, applied.refusal, reply);
      else if (applied.status === 'moved') reply({ status: 'wrong-shard' });
      else reply({ status: applied.status });
    });
  }

  private refuse(request: KvRequest, refusal: Refusal, reply: (answer: KvReply) => void): void {
    this.options.audit?.(this.env.id, `${request.operation.kind} of ${JSON.stringify(request.operation.key)} (client ${request.clientId})`, refusal);
    reply({ status: 'forbidden', reason: refusal.text });
  }

  private scheduleLeaderBalance(): void {
    if (this.balanceTimer !== undefined) return;
    this.balanceTimer = this.env.timers.setTimer(this.options.leaderBalanceIntervalMs, () => {
      this.balanceTimer = undefined;
      this.balanceLeaders();
      this.scheduleLeaderBalance();
    });
  }

  /**
   * Spreads leaders across nodes: a leader that is not its shard's preferred leader hands
   * over once the preferred replica is fully caught up (thesis §3.10 leadership transfer).
   */
  private balanceLeaders(): void {
    const map = this.options.shardMap();
    for (const groupId of this.raft?.groupIds ?? []) {
      const group = this.raft!.group(groupId)!;
      // Cheap questions first: this runs every second for every group hosted here.
      const raft = group.raft;
      if (raft.currentRole !== 'leader') continue;
      const preferred = findShard(map, groupId)?.preferredLeader;
      if (!preferred || preferred === this.env.id || raft.transferTarget !== null) continue;
      const progress = raft.progressOf(preferred);
      if (progress && !progress.isLearner && progress.recentActive && progress.matchIndex >= raft.commitIndex) {
        group.transferLeadership(preferred);
      }
    }
  }
}
