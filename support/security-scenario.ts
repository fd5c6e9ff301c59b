import type { NodeEnv, NodeId } from '../src/runtime/ports';
import type { RaftEnvelope } from '../src/runtime/raft-host';
import type { ShardRequest } from '../src/txn/protocol';
import type { PhantomWorld } from './world';

/** How long the rogue keeps trying, and how often. */
const ATTACK_ROUNDS = 10;
const ATTACK_INTERVAL_MS = 100;

/** What one replica looked like before an attack: its term and the digest of its state machine. */
interface ReplicaPicture {
  readonly node: NodeId;
  readonly term: number;
  readonly digest: string | undefined;
}

/**
 * A process that knows PhantomDB's wire protocol but was never admitted through the join
 * handshake. Every round it asks every replica to vote for it in a far higher term (as a
 * leadership transfer, which bypasses the vote lease), sends appends as a self-made
 * leader that write `key` = `value` and claim it committed, tells followers to start an
 * election at once, and asks the shard's leader to lock the key for a transaction and to
 * record that transaction committed.
 */
export class RogueAttack {
  sent = 0;

  constructor(
    private readonly env: NodeEnv,
    private readonly target: { groupId: string; replicas: readonly NodeId[]; leader: NodeId; term: number; lastIndex: number; key: string; value: string },
  ) {}

  round(round: number): void {
    const { groupId, replicas, leader, key, value } = this.target;
    const term = this.target.term + 100 + round;
    const lastIndex = this.target.lastIndex;
    for (const to of replicas) {
      this.raft(to, groupId, { type: 'raft.vote-request', from: this.env.id, to, term, lastLogIndex: lastIndex + 1000, lastLogTerm: term, leadershipTransfer: true });
      const entry = { term, index: lastIndex + 1, kind: 'normal', data: { clientId: 'rogue', sequence: 1, operation: { kind: 'put', key, value } } };
      this.raft(to, groupId, { type: 'raft.append', from: this.env.id, to, term, prevLogIndex: lastIndex, prevLogTerm: this.target.term, entries: [entry], leaderCommitIndex: lastIndex + 1 });
      // The same append, claiming to come from the real leader.
      this.raft(to, groupId, { type: 'raft.append', from: leader, to, term, prevLogIndex: lastIndex, prevLogTerm: this.target.term, entries: [entry], leaderCommitIndex: lastIndex + 1 });
      this.raft(to, groupId, { type: 'raft.timeout-now', from: this.env.id, to, term });
    }
    const txnId = `rogue.${round + 1}`;
    const priority = { startedAtMs: 0, txnId };
    this.shard(leader, { type: 'txn.shard-request', requestId: `${txnId}/lock`, shardId: groupId, command: { kind: 'acquire', txnId, priority, anchorKey: key, coordinator: this.env.id, opIndex: 1, key, access: { kind: 'write', value } } });
    this.shard(leader, { type: 'txn.shard-request', requestId: `${txnId}/decide`, shardId: groupId, command: { kind: 'decide', txnId, participants: [groupId], lastOpIndex: 1 } });
  }

  private raft(to: NodeId, groupId: string, message: Record<string, unknown>): void {
    const envelope = { type: message.type, groupId, message } as unknown as RaftEnvelope;
    this.env.network.send(to, envelope);
    this.sent++;
  }

  private shard(to: NodeId, request: ShardRequest): void {
    this.env.network.send(to, request);
    this.sent++;
  }
}

/** The security part of a scenario: intruders, departed nodes, and what they changed. */
export class SecurityScenario {
  private before: ReplicaPicture[] | undefined;
  private rogue: { id: NodeId; attack: RogueAttack } | undefined;
  private departed: NodeId | undefined;

  constructor(private readonly world: PhantomWorld) {}

  private get database() {
    return this.world.cluster.database;
  }

  private get groupId(): string {
    const ids = this.database.shardIds();
    if (ids.length !== 1) throw new Error(`In step "${this.world.currentStep}": this step needs exactly one replicated group, there are ${ids.length}`);
    return ids[0];
  }

  /** Notes every replica's term and state digest, to compare with after the attack. */
  private picture(): ReplicaPicture[] {
    return this.database.replicaNodes(this.groupId).map((node) => ({
      node,
      term: this.database.replica(this.groupId, node)!.status().term,
      digest: this.database.stateDigest(this.groupId, node),
    }));
  }

  /** Waits (at most 1 s) until every replica applied what the leader committed, so the picture is settled. */
  private awaitReplicasApplied(leader: NodeId): void {
    const commitIndex = this.database.replica(this.groupId, leader)!.status().commitIndex;
    this.world.waitUntil(
      () => this.database.replicaNodes(this.groupId).every((node) => this.database.replica(this.groupId, node)!.applied >= commitIndex),
      1_000,
      `every replica of ${this.groupId} to apply up to ${commitIndex}`,
    );
  }

  /** A never-admitted process attacks the group for a second (see RogueAttack). */
  rogueAttack(key: string, value: string): void {
    const groupId = this.groupId;
    const leader = this.database.leaderOf(groupId);
    if (leader === undefined) throw new Error(`In step "${this.world.currentStep}": ${groupId} has no leader to attack`);
    this.awaitReplicasApplied(leader);
    this.before = this.picture();
    const status = this.database.replica(groupId, leader)!.status();
    const target = { groupId, replicas: this.database.replicaNodes(groupId), leader, term: status.term, lastIndex: status.lastIndex, key, value };
    const id = 'rogue';
    let attack: RogueAttack | undefined;
    this.world.sim.addNode(id, (env) => {
      attack = new RogueAttack(env, target);
      return { onMessage: () => undefined };
    });
    this.rogue = { id, attack: attack! };
    for (let round = 0; round < ATTACK_ROUNDS; round++) {
      attack!.round(round);
      this.world.sim.runFor(ATTACK_INTERVAL_MS);
    }
  }

  /** No replica's term rose and no replica's state changed since the attack began. */
  assertNothingChanged(): void {
    const before = this.requireBefore();
    const after = new Map(this.picture().map((picture) => [picture.node, picture]));
    for (const replica of before) {
      const now = after.get(replica.node);
      if (now === undefined) throw new Error(`${replica.node} no longer hosts a replica of ${this.groupId}`);
      if (now.term !== replica.term) throw new Error(`${replica.node}'s term went from ${replica.term} to ${now.term}`);
      if (now.digest !== replica.digest) throw new Error(`${replica.node}'s state changed during the attack (digest ${replica.digest} became ${now.digest})`);
    }
  }

  /** Every message the rogue sent was dropped at the receiving node's boundary, and counted there. */
  assertRogueDropped(): void {
    const rogue = this.rogue;
    if (rogue === undefined) throw new Error(`In step "${this.world.currentStep}": no rogue process attacked earlier`);
    const drops = this.world.cluster.boundaryDrops;
    this.world.attachText('messages dropped at node boundaries', drops.summary());
    const dropped = drops.fromSender(rogue.id);
    if (dropped !== rogue.attack.sent) throw new Error(`the rogue sent ${rogue.attack.sent} messages but ${dropped} were dropped at the boundary`);
  }

  /** A replica of the group leaves the cluster but its process keeps running and calling elections. */
  leaveAndKeepCampaigning(node: NodeId, durationMs: number): void {
    this.before = this.picture();
    const member = this.world.cluster.member(node);
    if (member === undefined) throw new Error(`In step "${this.world.currentStep}": ${node} is not running`);
    member.leave();
    this.departed = node;
    this.keepCampaigning(node, durationMs);
  }

  /** The node's replica calls an election every 100 ms for the duration (as if its timer kept firing). */
  keepCampaigning(node: NodeId, durationMs: number): void {
    this.before ??= this.picture();
    for (let elapsedMs = 0; elapsedMs < durationMs; elapsedMs += ATTACK_INTERVAL_MS) {
      const replica = this.database.replica(this.groupId, node);
      if (replica === undefined) throw new Error(`${node} no longer runs a replica of ${this.groupId}`);
      replica.campaign();
      this.world.sim.runFor(ATTACK_INTERVAL_MS);
    }
  }

  /** The terms of the replicas other than `except` did not rise since the picture was taken. */
  assertTermsUnchanged(except: readonly NodeId[]): void {
    const before = this.requireBefore();
    for (const replica of before) {
      if (except.includes(replica.node)) continue;
      const term = this.database.replica(this.groupId, replica.node)?.status().term;
      if (term !== replica.term) throw new Error(`${replica.node}'s term went from ${replica.term} to ${term}`);
    }
  }

  /** Messages from the departed node reached no protocol: the other nodes dropped them at their boundary. */
  assertDepartedDropped(): number {
    const node = this.departed;
    if (node === undefined) throw new Error(`In step "${this.world.currentStep}": no node left the cluster earlier`);
    const drops = this.world.cluster.boundaryDrops;
    this.world.attachText('messages dropped at node boundaries', drops.summary());
    return drops.fromSender(node);
  }

  get departedNode(): NodeId {
    if (this.departed === undefined) throw new Error(`In step "${this.world.currentStep}": no node left the cluster earlier`);
    return this.departed;
  }

  private requireBefore(): ReplicaPicture[] {
    if (this.before === undefined) throw new Error(`In step "${this.world.currentStep}": nothing was attacked or noted earlier`);
    return this.before;
  }
}

export function security(world: PhantomWorld): SecurityScenario {
  return world.part('security', () => new SecurityScenario(world));
}
