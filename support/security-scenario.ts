import { ClusterSecurity, type RoleAdministration } from '../src/api/security';
import { GeoSecurity } from '../src/api/geo-security';
import type { OperationHandle } from '../src/api/geo-cluster';
import { splitFullKey } from '../src/georep/key-store';
import type { GeoOperation } from '../src/georep/strategies';
import { geo } from './georep-scenario';
import { PlacementAdmin, type AdminRequestOutcome } from '../src/api/placement-admin';
import type { Move } from '../src/rebalance/types';
import type { ScalingPolicySpec } from '../src/scaling';
import { rangesFromSlots, slotsOf } from '../src/sharding/slots';
import { existingElastic } from './elastic-scenario';
import { rebalancing } from './rebalancing-scenario';
import { type AuthCommand, type AuthResult, credentialProof, describeCommand, type Grant, type Keyspace, type Permission, PERMISSIONS, type Principal, principal } from '../src/auth';
import type { KvClient } from '../src/kv/client';
import type { Operation } from '../src/kv/client-operation';
import type { NodeEnv, NodeId } from '../src/runtime/ports';
import { shardForKey } from '../src/sharding/shard-map';
import type { Transaction } from '../src/txn/client';
import { sagas, transactions } from './txn-scenario';
import { queries } from './query-scenario';
import type { FragmentTable } from '../src/query/fragment';
import { NodeRuntime } from '../src/runtime/node-runtime';
import type { TxnService } from '../src/txn/service';
import type { RaftEnvelope } from '../src/runtime/raft-host';
import type { ShardRequest } from '../src/txn/protocol';
import type { Simulation, TraceEvent } from '../src/sim';
import type { PhantomWorld } from './world';
import { noteDirectMembershipChange } from './direct-membership';

/** The never-admitted process's node id, and how long it keeps trying, and how often. */
const ROGUE_ID = 'rogue';
const ATTACK_ROUNDS = 10;
const ATTACK_INTERVAL_MS = 100;
/** How often the answer forger sends its answers. */
const FORGED_ANSWER_INTERVAL_MS = 20;
/** How often the answer forger sends each client an answer whose type is code. */
const TRAPPED_ANSWER_INTERVAL_MS = 2;
/** Placement heartbeat answers: how often they are forged, and for which sequences (1 to this; a node beats once a second). */
const PLACEMENT_FORGERY_INTERVAL_MS = 50;
const PLACEMENT_SEQUENCES_FORGED = 32;
/** Forged store heartbeats carry sequences from here on: far past any a node sends (one a second). */
const FORGED_HEARTBEAT_SEQUENCE_FIRST = 1_000_000;
/** A forged heartbeat sent last arrives (or is lost) within this much virtual time; links take 1-3 ms unless a scenario slows them. */
export const FORGED_ARRIVAL_BOUND_MS = 1_000;

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
 * record that transaction committed. It also sends the leader booby-trapped messages: a
 * vote request whose type, a query's scan lock whose command, and a client request whose
 * operation's key are getters, code that runs inside the node if the node reads them.
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
    // Booby-trapped messages: fields that are getters, code that would run in the receiving
    // node if it read them. Each answers what a real message holds, and counts that it ran.
    const vote = { type: 'raft.vote-request', from: this.env.id, to: leader, term, lastLogIndex: lastIndex + 1000, lastLogTerm: term, leadershipTransfer: true };
    this.booby(leader, this.trap({ groupId, message: vote }, 'type', vote.type));
    const lock = { kind: 'acquire', txnId: `${txnId}.q1.a1`, priority, anchorKey: key, coordinator: this.env.id, opIndex: 1, key, access: { kind: 'scan' } };
    this.booby(leader, this.trap({ type: 'txn.shard-request', requestId: `${txnId}/scan`, shardId: groupId }, 'command', lock));
    // A client request (any process may send one) whose operation's key is a getter.
    this.booby(leader, { type: 'kv.request', requestId: round + 1, clientId: 'rogue', sequence: round + 1, shardId: groupId, epoch: 0, operation: this.trap({ kind: 'put', value }, 'key', key) });
  }

  /** Times the network or a node read a booby-trapped field (ran the intruder's code). */
  trapsSprung = 0;

  /** `fields` with `field` as a getter that answers `value` and counts that it ran. */
  private trap(fields: Record<string, unknown>, field: string, value: unknown): Record<string, unknown> {
    return Object.defineProperty({ ...fields }, field, {
      enumerable: true,
      get: () => {
        this.trapsSprung++;
        return value;
      },
    });
  }

  private booby(to: NodeId, message: Record<string, unknown>): void {
    this.env.network.send(to, message as never);
    this.sent++;
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

/**
 * A process that was never admitted sends each shard's leader query fragment requests (a message
 * any process may send, checked at the boundary before anything reads it) with code hidden where
 * a plain-data check must look: a list of slot ranges with a function of its own named `map`, a
 * fragment whose list of tables has its own `entries`, and a fragment whose `tables` is a hidden
 * (non-enumerable) getter. A shard's query service that took them would run that code as it
 * reads the request (scanLockKey maps the ranges; the service reads and walks the tables).
 */
export class QueryRequestTraps {
  sent = 0;
  /** Times a node ran the hidden code, by trap. */
  readonly sprung = new Map<string, number>();

  constructor(private readonly env: NodeEnv) {}

  get trapsSprung(): number {
    return [...this.sprung.values()].reduce((sum, count) => sum + count, 0);
  }

  private spring(trap: string): void {
    this.sprung.set(trap, (this.sprung.get(trap) ?? 0) + 1);
  }

  round(round: number, targets: readonly { shardId: string; leader: NodeId }[], table: FragmentTable): void {
    const allSlots = (): { start: number; endExclusive: number }[] => [{ start: 0, endExclusive: 1024 }];
    for (const { shardId, leader } of targets) {
      const request = (trap: string, fragment: object, tableSlots: unknown[]) => ({ type: 'query.fragment-request', requestId: `rogue/${round}/${trap}`, queryId: `rogue.${round}`, shardId, epoch: 0, fragment, locksWait: false, tableSlots });
      this.send(leader, request('own-map', { mode: 'scan', tables: [table] }, [this.withOwn(allSlots(), 'map')]));
      this.send(leader, request('own-entries', { mode: 'scan', tables: this.withOwn([table], 'entries') }, [allSlots()]));
      const hidden = Object.defineProperty({ mode: 'scan' }, 'tables', {
        enumerable: false,
        get: () => {
          this.spring('the plan\'s hidden tables getter');
          return [table];
        },
      });
      this.send(leader, request('hidden-getter', hidden, [allSlots()]));
    }
  }

  /** `items` as a list with a function of its own under `name` that counts that it ran, then does what the list's own method does. */
  private withOwn<T>(items: T[], name: 'map' | 'entries'): T[] {
    const method = Array.prototype[name] as (...args: unknown[]) => unknown;
    return Object.defineProperty(items, name, {
      enumerable: false,
      value: (...args: unknown[]) => {
        this.spring(`a list's own ${name}`);
        return method.apply(items, args);
      },
    });
  }

  private send(to: NodeId, message: object): void {
    this.env.network.send(to, message as never);
    this.sent++;
  }
}

/**
 * A member of the cluster (admitted, hosting a replica) that forges the leader's heartbeats:
 * every round it sends each other replica heartbeats in the leader's name, in a far higher
 * term and with a commit index past the log, both coalesced (one message carrying many
 * groups' heartbeats, as the multi-Raft service sends them) and alone. A replica that
 * believed them would adopt the term and follow the wrong leader.
 */
export class HeartbeatForgery {
  sent = 0;

  constructor(
    private readonly send: (to: NodeId, message: unknown) => void,
    private readonly target: { groupId: string; forger: NodeId; leader: NodeId; others: readonly NodeId[]; term: number; commitIndex: number },
  ) {}

  round(round: number): void {
    const { groupId, leader, others } = this.target;
    const term = this.target.term + 100 + round;
    for (const to of others) {
      const forged = (readSequence: number): RaftEnvelope => ({
        type: 'raft.heartbeat',
        groupId,
        message: { type: 'raft.heartbeat', from: leader, to, term, leaderCommitIndex: this.target.commitIndex + 50, readSequence },
      } as unknown as RaftEnvelope);
      this.send(to, { type: 'raft.heartbeats', envelopes: [forged(0), forged(1)] });
      this.send(to, forged(2));
      this.sent += 2;
    }
  }
}

/**
 * The messages a forger sends, followed on the wire until each was delivered or lost: the
 * trace's net.send event of each gives its id, and its net.deliver or net.drop event ends its
 * trip (a node's boundary judges a delivered message in the same event, before the next one).
 * A check reads `settled`: the forger has stopped and none of its forged messages is on its way.
 */
export class ForgedTraffic {
  sent = 0;
  private stopped = false;
  private sending = false;
  private readonly onTheWay = new Set<number>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly sim: Simulation,
    readonly forger: NodeId,
    /** When the forger sends its last round at the latest (virtual ms). */
    readonly untilMs: number,
  ) {
    this.unsubscribe = sim.trace.subscribe((event) => this.observe(event));
  }

  /** Sends one forged message from the forger and follows it. */
  send(to: NodeId, message: unknown): void {
    this.sending = true;
    try {
      this.sim.network.send(this.forger, to, message as never);
    } finally {
      this.sending = false;
    }
    this.sent++;
  }

  /** The forger sends nothing more. */
  stop(): void {
    this.stopped = true;
    if (this.settled) this.unsubscribe();
  }

  get settled(): boolean {
    return this.stopped && this.onTheWay.size === 0;
  }

  describe(): string {
    return `${this.stopped ? 'stopped' : `still forging (until ${(this.untilMs / 1000).toFixed(1)} s)`}, ${this.onTheWay.size} of its ${this.sent} forged messages on their way`;
  }

  private observe(event: TraceEvent): void {
    if (event.messageId === undefined) return;
    if (event.kind === 'net.send') {
      if (this.sending && event.node === this.forger) this.onTheWay.add(event.messageId);
    } else if ((event.kind === 'net.deliver' || event.kind === 'net.drop') && this.onTheWay.delete(event.messageId) && this.settled) {
      this.unsubscribe();
    }
  }
}

/**
 * What a node answers, in the asked server's place, to a request it overheard: a refusal or
 * failure that the caller would act on (fail a query, abort a transaction, fail a region's
 * request, fail a saga step), by the type of the request. Requests of other types are left alone.
 */
const IMPOSTOR_ANSWERS: Readonly<Record<string, (request: Readonly<Record<string, unknown>>, reason: string, region: string | undefined) => Record<string, unknown>>> = {
  'query.fragment-request': (request, reason) => ({ type: 'query.fragment-response', requestId: request.requestId, reply: { status: 'failed', reason } }),
  'txn.shard-request': (request, reason) => ({ type: 'txn.shard-response', requestId: request.requestId, reply: { status: 'wait-die', reason } }),
  'geo.request': (request, reason, region) => ({ type: 'geo.response', id: request.id, ok: false, region, error: reason }),
  'saga.command': (request, reason) => ({ type: 'saga.result', requestId: request.requestId, reply: { ok: false, reason } }),
};

/**
 * A node that overhears the requests sent to servers (a wiretap on the simulated network) and
 * answers each at once, in the asked server's place, from another node the caller knows: one
 * the caller itself sent requests to earlier (another shard's server for a query client or a
 * coordinator, another service for a saga orchestrator), or another server of the region for a
 * region's clients. Its answers pass every node's boundary (the sender is one the caller hears
 * from); only the caller's own rule, an answer counts only from the node its request went to,
 * stops them.
 */
export class OverhearingImpostor {
  /** Forged answers sent, by the type of request they answered. */
  readonly sent = new Map<string, number>();
  /** Per caller, every node it sent anything to (the impostor answers from one of these). */
  private readonly sentTo = new Map<NodeId, Set<NodeId>>();

  constructor(
    private readonly world: PhantomWorld,
    private readonly untilMs: number,
    /** For a region's client node: its region and the region's server nodes. */
    private readonly regionOfClient: (node: NodeId) => { region: string; servers: readonly NodeId[] } | undefined,
  ) {}

  /** Taps the network: every send still goes out, and the impostor hears it as it leaves. */
  start(): void {
    const network = this.world.sim.network;
    const send = network.send.bind(network);
    let forging = false;
    network.tap((from, to, message) => {
      // Its own forgeries go out through the same network: it does not overhear those.
      if (forging || this.world.sim.nowMs > this.untilMs) return;
      forging = true;
      try {
        this.overhear(send, from, to, message as unknown as Readonly<Record<string, unknown>>);
      } finally {
        forging = false;
      }
    });
  }

  get total(): number {
    return [...this.sent.values()].reduce((sum, count) => sum + count, 0);
  }

  private overhear(send: (from: NodeId, to: NodeId, message: never) => void, from: NodeId, to: NodeId, message: Readonly<Record<string, unknown>>): void {
    const known = this.sentTo.get(from) ?? new Set<NodeId>();
    this.sentTo.set(from, known);
    const type = String(message.type);
    const answer = IMPOSTOR_ANSWERS[type];
    const region = this.regionOfClient(from);
    const candidates = region !== undefined ? region.servers : [...known];
    known.add(to);
    if (answer === undefined) return;
    const impostor = candidates.find((node) => node !== to && node !== from && this.world.sim.hasNode(node) && this.world.sim.node(node).isUp);
    if (impostor === undefined) return;
    send(impostor, from, answer(message, `forged by ${impostor} in ${to}'s place`, region?.region) as never);
    this.sent.set(type, (this.sent.get(type) ?? 0) + 1);
  }
}

/** What a never-admitted process's attack counts: messages sent, and the times a node ran its hidden code. */
interface RogueProcess {
  readonly sent: number;
  readonly trapsSprung: number;
  readonly sprung?: ReadonlyMap<string, number>;
}

/** The security part of a scenario: intruders, departed nodes, and what they changed. */
export class SecurityScenario {
  private before: ReplicaPicture[] | undefined;
  private rogue: { id: NodeId; attack: RogueProcess } | undefined;
  private departed: NodeId | undefined;
  private forgery: ForgedTraffic | undefined;
  /** The member answering placement heartbeats in the placement nodes' place, and how many answers it sent. */
  private placementAnswers: { forger: NodeId; sent: number } | undefined;

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
    this.runRogue((env) => new RogueAttack(env, target), (attack, round) => attack.round(round));
  }

  /** A never-admitted process sends every shard's leader booby-trapped query requests for a second (see QueryRequestTraps). */
  rogueQueryTraps(): void {
    const database = this.database;
    // The servers answer queries once the store has a query engine; the tables named need not exist (no lock is held).
    queries(this.world).engine;
    const table: FragmentTable = { name: 'orders', kind: 'distributed', prefix: 'table/orders/', columnCount: 2 };
    const targets = database.shardIds().map((shardId) => ({ shardId, leader: database.leaderOf(shardId) }));
    const leaderless = targets.find((target) => target.leader === undefined);
    if (leaderless !== undefined) throw new Error(`In step "${this.world.currentStep}": ${leaderless.shardId} has no leader to send to`);
    this.runRogue((env) => new QueryRequestTraps(env), (attack, round) => attack.round(round, targets as { shardId: string; leader: NodeId }[], table));
  }

  /**
   * Starts the never-admitted process (node `rogue`, which ignores what it receives) with the attack
   * `start` makes from its node environment, and plays ATTACK_ROUNDS rounds of it, ATTACK_INTERVAL_MS
   * of virtual time apart (a second). The attack is kept for the checks that read what it counted.
   */
  private runRogue<Attack extends RogueProcess>(start: (env: NodeEnv) => Attack, playRound: (attack: Attack, round: number) => void): void {
    let started: Attack | undefined;
    this.world.sim.addNode(ROGUE_ID, (env) => {
      started = start(env);
      return { onMessage: () => undefined };
    });
    const attack = started!;
    this.rogue = { id: ROGUE_ID, attack };
    for (let round = 0; round < ATTACK_ROUNDS; round++) {
      playRound(attack, round);
      this.world.sim.runFor(ATTACK_INTERVAL_MS);
    }
  }

  /**
   * A never-admitted process answers the store's clients in the servers' place: every 20 ms for
   * the duration (while the steps after this one run), it sends each key-value client of the
   * database answers to its first requests (request ids 1-12, sequences 1-4 of its session on
   * each shard) saying that every read found `value`, and each transaction client answers to
   * the first requests of its first transactions (transactions 1-4, requests 1-6) saying that
   * every read found `value` and every transaction committed. A client that took them would
   * read `value`, or report a transaction committed that no server committed.
   */
  forgeClientAnswers(value: string, durationMs: number): void {
    this.noteIgnoredBeforeForgery();
    const database = this.database;
    const txnSystem = () => transactions(this.world).startedSystem;
    const queryEngine = () => (this.world.hasPart('queries') ? queries(this.world).engine : undefined);
    const traps = { sprung: 0 };
    this.answerForgerTraps = traps;
    this.world.sim.addNode('answer-forger', (env) => {
      const startedMs = env.clock.nowMs();
      const round = (): void => {
        for (const name of database.clientNames) {
          for (const shardId of database.shardIds()) {
            for (let sequence = 1; sequence <= 4; sequence++) {
              for (let requestId = 1; requestId <= 12; requestId++) {
                env.network.send(`client:${name}`, { type: 'kv.response', requestId, clientId: `${name}@${shardId}`, sequence, status: 'ok', result: { kind: 'get', value } } as never);
                this.forgedAnswers++;
              }
            }
          }
        }
        for (const name of txnSystem()?.clientNames ?? []) {
          for (let txn = 1; txn <= 4; txn++) {
            for (let sequence = 1; sequence <= 6; sequence++) {
              for (const reply of [{ status: 'ok', value }, { status: 'committed' }]) {
                env.network.send(`txn-client:${name}`, { type: 'txn.client-response', txnId: `${name}.${txn}`, sequence, reply } as never);
                this.forgedAnswers++;
              }
            }
          }
        }
        // A query client numbers its fragment requests "<its node>/1", "<its node>/2", ...
        for (const name of queryEngine()?.clientNames ?? []) {
          for (let request = 1; request <= 24; request++) {
            env.network.send(`query-client:${name}`, { type: 'query.fragment-response', requestId: `query-client:${name}/${request}`, reply: { status: 'ok', rows: [[value]], rowsRead: 1 } } as never);
            this.forgedAnswers++;
          }
        }
        if (env.clock.nowMs() - startedMs < durationMs) env.timers.setTimer(FORGED_ANSWER_INTERVAL_MS, round, 'answer-forger.round');
      };
      // And, every 2 ms (a client is often busy for only a few), one answer per client whose type is
      // code (a getter): a client that read anything of it would run it.
      const trapRound = (): void => {
        const clientNodes = [...database.clientNames.map((name) => `client:${name}`), ...(txnSystem()?.clientNames ?? []).map((name) => `txn-client:${name}`), ...(queryEngine()?.clientNames ?? []).map((name) => `query-client:${name}`)];
        for (const node of clientNodes) {
          const type = node.startsWith('client:') ? 'kv.response' : node.startsWith('txn-client:') ? 'txn.client-response' : 'query.fragment-response';
          env.network.send(node, Object.defineProperty({ requestId: 1 }, 'type', { enumerable: true, get: () => ((traps.sprung = traps.sprung + 1), type) }) as never);
        }
        if (env.clock.nowMs() - startedMs < durationMs) env.timers.setTimer(TRAPPED_ANSWER_INTERVAL_MS, trapRound, 'answer-forger.traps');
      };
      round();
      trapRound();
      return { onMessage: () => undefined };
    });
  }

  /** Forged answers sent so far by `forgeClientAnswers`. */
  forgedAnswers = 0;
  /** How often a client read the answer forger's booby-trapped answers (ran its code). */
  private answerForgerTraps: { sprung: number } | undefined;
  private impostor: OverhearingImpostor | undefined;

  /** For the duration, a node that overhears requests answers them in the asked node's place (see OverhearingImpostor). */
  answerOverheardRequests(durationMs: number): void {
    const georep = this.world.hasPart('georep') ? geo(this.world) : undefined;
    const regionOfClient = (node: NodeId) => {
      const region = georep?.regions.find((candidate) => georep.clientNode(candidate) === node);
      return region === undefined ? undefined : { region, servers: georep!.nodesOf(region).filter((server) => server !== node) };
    };
    this.noteIgnoredBeforeForgery();
    this.impostor = new OverhearingImpostor(this.world, this.world.sim.nowMs + durationMs, regionOfClient);
    this.impostor.start();
  }

  /**
   * Forged answers reached the clients while they waited for answers, and the clients ignored
   * them: the key-value and transaction clients' counts of answers from a node not asked.
   */
  /**
   * Each caller's count of ignored answers when the first forgery began: what it ignored before
   * (a late answer from another node, say) is not the forgery's doing.
   */
  private ignoredBeforeForgery: Map<string, number> | undefined;

  private noteIgnoredBeforeForgery(): void {
    this.ignoredBeforeForgery ??= new Map(this.answersNotAskedByCaller().map((count) => [count.client, count.ignored]));
  }

  assertForgedAnswersIgnored(): void {
    const forged = this.forgedAnswers + (this.impostor?.total ?? 0) + (this.placementAnswers?.sent ?? 0);
    if (forged === 0) throw new Error(`In step "${this.world.currentStep}": no process answered the clients in the servers' place earlier`);
    const before = this.ignoredBeforeForgery ?? new Map<string, number>();
    const counts = this.answersNotAskedByCaller().map((count) => ({ client: count.client, ignored: count.ignored - (before.get(count.client) ?? 0) }));
    const ignored = counts.reduce((sum, count) => sum + count.ignored, 0);
    const sent = this.impostor === undefined ? '' : ` (overheard and answered: ${[...this.impostor.sent].map(([type, count]) => `${count} ${type}`).join(', ') || 'none'})`;
    this.world.attachText('answers the clients ignored (from a node not asked)', [...counts.map((count) => `${count.client}: ${count.ignored}`), `forged answers sent: ${forged}${sent}`].join('\n'));
    if (ignored === 0) throw new Error(`the forger sent ${forged} answers${sent}, but none reached a client while it waited for an answer, so this scenario tested nothing (clients: ${counts.map((count) => count.client).join(', ') || 'none'})`);
  }

  /** Every caller of the scenario and how many answers it ignored because it had not asked their sender. */
  private answersNotAskedByCaller(): { client: string; ignored: number }[] {
    const counts: { client: string; ignored: number }[] = [];
    if (this.world.hasCluster) {
      const database = this.database;
      for (const name of database.clientNames) counts.push({ client: `client:${name}`, ignored: database.client(name).answersNotAsked });
      const system = transactions(this.world).startedSystem;
      for (const name of system?.clientNames ?? []) counts.push({ client: `txn-client:${name}`, ignored: system!.client(name).answersNotAsked });
      // Placement heartbeat answers only when they were forged: a late answer, past the 16 remembered, also counts there.
      if (this.placementAnswers !== undefined) for (const { node, ignored } of database.placement.heartbeatAnswersNotAsked()) counts.push({ client: `placement heartbeats of ${node}`, ignored });
      for (const node of this.world.sim.nodeIds) {
        const simNode = this.world.sim.node(node);
        const service = simNode.state === 'running' && simNode.instance instanceof NodeRuntime ? simNode.instance.service<TxnService>('txn') : undefined;
        if (service !== undefined) counts.push({ client: `coordinator on ${node}`, ignored: service.answersNotAsked });
      }
    }
    if (this.world.hasPart('queries')) {
      const engine = queries(this.world).engine;
      for (const name of engine.clientNames) counts.push({ client: `query-client:${name}`, ignored: engine.client(name).answersNotAsked });
    }
    if (this.world.hasPart('georep')) {
      const cluster = geo(this.world);
      for (const region of cluster.regions) counts.push({ client: cluster.clientNode(region), ignored: cluster.answersNotAsked(region) });
    }
    if (this.world.hasPart('sagas')) {
      const system = sagas(this.world).system;
      counts.push({ client: system.orchestratorNode, ignored: system.orchestrator()?.answersNotAsked ?? 0 });
    }
    return counts;
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

  /** Neither the network nor a node read a booby-trapped field of the rogue's messages (ran the rogue's code). */
  assertRogueCodeNeverRan(): void {
    const rogue = this.rogue;
    const forger = this.answerForgerTraps;
    if (rogue === undefined && forger === undefined) throw new Error(`In step "${this.world.currentStep}": no rogue process attacked earlier`);
    if (forger !== undefined && forger.sprung > 0) throw new Error(`clients read a booby-trapped field of the answer forger's messages ${forger.sprung} times: each read ran the forger's code (a getter) in a client that never asked the forger`);
    if (rogue === undefined) return;
    const which = rogue.attack.sprung === undefined ? '' : ` (${[...rogue.attack.sprung].map(([trap, count]) => `${trap}: ${count}`).join(', ')})`;
    if (rogue.attack.trapsSprung > 0) throw new Error(`nodes read a booby-trapped field of the rogue's messages ${rogue.attack.trapsSprung} times${which}: each read ran the rogue's code (a getter, or a list's own function) in the simulated network or a node`);
  }

  /** A follower of the group forges the leader's heartbeats every 100 ms for the duration (see HeartbeatForgery). */
  forgeLeaderHeartbeats(forger: NodeId, durationMs: number): void {
    const groupId = this.groupId;
    const leader = this.database.leaderOf(groupId);
    if (leader === undefined) throw new Error(`In step "${this.world.currentStep}": ${groupId} has no leader whose heartbeats could be forged`);
    if (forger === leader) throw new Error(`In step "${this.world.currentStep}": ${forger} is the leader; a follower forges the leader's heartbeats`);
    this.awaitReplicasApplied(leader);
    this.before = this.picture();
    const status = this.database.replica(groupId, leader)!.status();
    const others = this.database.replicaNodes(groupId).filter((node) => node !== forger);
    const traffic = new ForgedTraffic(this.world.sim, forger, this.world.sim.nowMs + durationMs);
    const forgery = new HeartbeatForgery((to, message) => traffic.send(to, message), { groupId, forger, leader, others, term: status.term, commitIndex: status.commitIndex });
    this.forgery = traffic;
    for (let elapsedMs = 0, round = 0; elapsedMs < durationMs; elapsedMs += ATTACK_INTERVAL_MS, round++) {
      forgery.round(round);
      this.world.sim.runFor(ATTACK_INTERVAL_MS);
    }
    traffic.stop();
  }

  /** Running server nodes of the store (those hosting Raft), sorted. */
  private serverNodes(): NodeId[] {
    return this.world.cluster.nodeIds.filter((node) => this.world.sim.node(node).state === 'running' && this.database.raftOn(node) !== undefined).sort();
  }

  /**
   * A member that hosts no replica of the placement group answers every server node's store
   * heartbeats in the placement nodes' place, every 50 ms for the duration (in the background,
   * while the steps after this one run): answers to heartbeats 1-32, each saying "not me: the
   * placement group's leader (as it is now) leads". A node that took them would keep sending its
   * heartbeats there after that leader went silent.
   */
  forgePlacementAnswers(durationMs: number): void {
    const placement = this.database.placement;
    const leader = placement.leader();
    if (leader === undefined) throw new Error(`In step "${this.world.currentStep}": the placement group has no leader to name`);
    const forger = this.serverNodes().find((node) => !placement.nodes.includes(node));
    if (forger === undefined) throw new Error(`In step "${this.world.currentStep}": every running node hosts the placement group (${placement.nodes.join(', ')}); start more nodes than its three`);
    const targets = this.serverNodes().filter((node) => node !== forger);
    const epoch = this.database.shardMap.epoch;
    const forgery = { forger, sent: 0 };
    this.noteIgnoredBeforeForgery();
    this.placementAnswers = forgery;
    const endMs = this.world.sim.nowMs + durationMs;
    const round = (): void => {
      if (!this.world.sim.node(forger).isUp) return;
      for (const to of targets) {
        for (let sequence = 1; sequence <= PLACEMENT_SEQUENCES_FORGED; sequence++) {
          this.world.sim.network.send(forger, to, { type: 'placement.heartbeat-ack', sequence, recorded: false, leaderHint: leader, epoch } as never);
          forgery.sent++;
        }
      }
      if (this.world.sim.nowMs + PLACEMENT_FORGERY_INTERVAL_MS <= endMs) this.world.sim.scheduler.schedule(PLACEMENT_FORGERY_INTERVAL_MS, round);
    };
    round();
  }

  /**
   * A member sends the placement group's nodes store heartbeats in `victim`'s name, every 100 ms
   * for the duration (in the background, while the steps after this one run), each saying that
   * `victim` holds no replica, with sequences far past any the victim sent. A placement leader
   * that filed them would believe the victim holds nothing.
   */
  forgePlacementHeartbeats(victim: NodeId, durationMs: number): void {
    const placement = this.database.placement;
    const servers = this.serverNodes();
    if (!servers.includes(victim)) throw new Error(`In step "${this.world.currentStep}": ${victim} is not a running server node`);
    const forger = servers.find((node) => node !== victim && !placement.nodes.includes(node)) ?? servers.find((node) => node !== victim);
    if (forger === undefined) throw new Error(`In step "${this.world.currentStep}": no running member other than ${victim} to forge its heartbeats`);
    const endMs = this.world.sim.nowMs + durationMs;
    const traffic = new ForgedTraffic(this.world.sim, forger, endMs);
    this.forgery = traffic;
    let sequence = FORGED_HEARTBEAT_SEQUENCE_FIRST;
    const round = (): void => {
      if (!this.world.sim.node(forger).isUp) return traffic.stop();
      sequence++;
      for (const to of placement.nodes.filter((node) => node !== forger)) traffic.send(to, { type: 'placement.heartbeat', node: victim, sequence, replicas: [] });
      if (this.world.sim.nowMs + ATTACK_INTERVAL_MS <= endMs) this.world.sim.scheduler.schedule(ATTACK_INTERVAL_MS, round);
      else traffic.stop();
    };
    round();
  }

  /**
   * Waits until the forger has stopped and each forged heartbeat it sent was delivered or lost
   * (at most the rest of the forging period plus FORGED_ARRIVAL_BOUND_MS), then checks that every
   * one was dropped at the receiving node's boundary as an impersonation, and counted there.
   */
  assertForgeriesDropped(): void {
    const traffic = this.forgery;
    if (traffic === undefined) throw new Error(`In step "${this.world.currentStep}": no member forged heartbeats earlier`);
    const boundMs = Math.max(0, traffic.untilMs - this.world.sim.nowMs) + FORGED_ARRIVAL_BOUND_MS;
    this.world.waitUntil(() => traffic.settled, boundMs, () => `${traffic.forger} to stop forging and its forged heartbeats to arrive (${traffic.describe()})`);
    const drops = this.world.cluster.boundaryDrops;
    this.world.attachText('messages dropped at node boundaries', drops.summary());
    const dropped = drops.fromSender(traffic.forger);
    if (dropped !== traffic.sent) throw new Error(`${traffic.forger} sent ${traffic.sent} forged heartbeat messages but ${dropped} of its messages were dropped at the boundary`);
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

// ---- users, roles and refusals -----------------------------------------------------------

/** Bound for an admin change to reach every shard (one log commit per shard, plus an election if one is under way). */
const ADMIN_BOUND_MS = 5_000;
/** Bound for one user operation (the client's own deadline is 10 s). */
const USER_OPERATION_BOUND_MS = 15_000;

/** How a refusal names a request that carried no user. */
export const ANONYMOUS = '(anonymous)';

/** What a user's last request came to, as the scenario saw it. */
export interface UserOutcome {
  readonly ok: boolean;
  readonly reason: string | undefined;
}

/** One write of a user's continuous workload. */
interface WorkloadWrite {
  readonly invokedAtMs: number;
  outcome: 'pending' | 'ok' | 'fail' | 'unknown';
  reason: string | undefined;
}

export class AccessScenario {
  private adminInstance: RoleAdministration | undefined;
  private readonly passwords = new Map<string, string>();
  private readonly grants = new Map<string, Grant[]>();
  private readonly outcomes = new Map<string, UserOutcome>();
  /** Every refusal a step saw, to be found in the audit log. */
  private readonly refusalsSeen: { user: string; text: string }[] = [];
  private lastTransaction: { user: string; txn: Transaction } | undefined;
  private workload: { user: string; writes: WorkloadWrite[]; running: boolean } | undefined;
  private revocationDoneAtMs: number | undefined;

  constructor(private readonly world: PhantomWorld) {
    world.addFinalCheck('the audit log is attached', () => world.attachText('audit log (refused requests)', this.admin.audit.render()));
  }

  /** The role administration of the scenario's system: the georeplicated regions when it has them, else the store. */
  get admin(): RoleAdministration {
    this.adminInstance ??= this.world.hasPart('georep') ? new GeoSecurity(geo(this.world)) : new ClusterSecurity(this.world.sim, this.world.cluster.database);
    return this.adminInstance;
  }

  private get store(): ClusterSecurity {
    const admin = this.admin;
    if (!(admin instanceof ClusterSecurity)) throw new Error(`In step "${this.world.currentStep}": this step needs the store ("Given a running cluster of ... storing data in ... shards ..."), not georeplicated regions`);
    return admin;
  }

  principalOf(user: string): Principal {
    const password = this.passwords.get(user);
    if (password === undefined) throw new Error(`In step "${this.world.currentStep}": there is no user "${user}" (known: ${[...this.passwords.keys()].join(', ') || 'none'})`);
    return principal(user, password);
  }

  /** Runs an admin change as `by` and waits until every shard applied it; returns its result. */
  change(by: string | undefined, command: AuthCommand): AuthResult {
    const operation = this.admin.change(by === undefined ? undefined : this.principalOf(by), command);
    this.world.waitUntil(() => operation.done, ADMIN_BOUND_MS, `every shard to apply "${operation.description}"`);
    if (operation.result!.ok === false && operation.result!.refusal !== undefined) this.noteRefusal(by ?? '(anonymous)', operation.result!.reason);
    return operation.result!;
  }

  private mustChange(by: string | undefined, command: AuthCommand): void {
    const result = this.change(by, command);
    if (!result.ok) throw new Error(`"${describeCommand(command)}" was refused: ${result.reason}`);
  }

  defineGrant(role: string, permission: string, keyspace: Keyspace): void {
    if (!PERMISSIONS.includes(permission as Permission)) {
      throw new Error(`In step "${this.world.currentStep}": unknown permission "${permission}"; use one of ${PERMISSIONS.join(', ')}`);
    }
    const grants = [...(this.grants.get(role) ?? []), { keyspace, permission: permission as Permission }];
    this.grants.set(role, grants);
    this.mustChange(this.anyAdmin(), { kind: 'put-role', role, grants });
  }

  addUser(user: string, password: string, role: string): void {
    if (!this.grants.has(role)) throw new Error(`In step "${this.world.currentStep}": define role "${role}" first`);
    this.mustChange(this.anyAdmin(), { kind: 'add-user', user, proof: credentialProof(user, password) });
    this.passwords.set(user, password);
    this.mustChange(this.anyAdmin(), { kind: 'grant-role', user, role });
  }

  enable(by: string): void {
    this.mustChange(by, { kind: 'enable' });
  }

  disable(by: string): void {
    this.mustChange(by, { kind: 'disable' });
  }

  revoke(by: string, role: string, user: string): void {
    this.mustChange(by, { kind: 'revoke-role', user, role });
    this.revocationDoneAtMs = this.world.sim.nowMs;
  }

  /** An admin known to the scenario, to sign changes once authentication is on. */
  private anyAdmin(): string | undefined {
    const table = this.admin.freshestTable();
    if (!table.enabled) return undefined;
    return [...this.passwords.keys()].find((user) => table.authorize(this.principalOf(user), 'admin', { kind: 'cluster', action: 'admin' }).allowed);
  }

  private kvClient(user: string): KvClient {
    const client = this.world.cluster.database.client(`user-${user}`);
    client.signIn(this.principalOf(user));
    return client;
  }

  /** Writes as the user, but proving a different password. */
  writeWithPassword(user: string, password: string, key: string, value: string): void {
    const client = this.world.cluster.database.client(`user-${user}-wrong-password`);
    client.signIn(principal(user, password));
    this.awaitKv(user, client.put(key, value), `user ${user} to write ${key}`);
  }

  write(user: string, key: string, value: string): void {
    this.awaitKv(user, this.kvClient(user).put(key, value), `user ${user} to write ${key}`);
  }

  read(user: string, key: string): string | null | undefined {
    const operation = this.awaitKv(user, this.kvClient(user).get(key), `user ${user} to read ${key}`);
    return operation.outcome === 'ok' && operation.result?.kind === 'get' ? operation.result.value : undefined;
  }

  /**
   * Reads the key as the user for a Then-step's check: the outcome is returned and not kept
   * as the user's last request, so "user ... succeeds" and "user ... is refused to ..." still
   * read the request a When-step made, whichever order the Then-steps come in.
   */
  checkRead(user: string, key: string): { value: string | null | undefined; outcome: UserOutcome } {
    const before = this.outcomes.get(user);
    const value = this.read(user, key);
    const outcome = this.lastOutcome(user);
    if (before === undefined) this.outcomes.delete(user);
    else this.outcomes.set(user, before);
    return { value, outcome };
  }

  private awaitKv(user: string, operation: Operation, what: string): Operation {
    this.world.waitUntil(() => operation.done, USER_OPERATION_BOUND_MS, what);
    this.record(user, operation.outcome === 'ok', operation.reason);
    return operation;
  }

  /** Writes two keys in one transaction as the user, and waits for its outcome. */
  transaction(user: string, writes: readonly (readonly [string, string])[]): void {
    const client = transactions(this.world).system.client(`user-${user}`);
    client.signIn(this.principalOf(user));
    const txn = client.begin();
    for (const [key, value] of writes) txn.write(key, value);
    txn.commit();
    this.world.waitUntil(() => txn.outcome !== 'pending' && txn.outcome !== 'unknown', USER_OPERATION_BOUND_MS, `the transaction of user ${user} to end`);
    this.lastTransaction = { user, txn };
    this.record(user, txn.outcome === 'committed', txn.reason);
  }

  get transactionOutcome(): { user: string; outcome: string; reason: string | undefined } {
    if (this.lastTransaction === undefined) throw new Error(`In step "${this.world.currentStep}": no user ran a transaction earlier`);
    return { user: this.lastTransaction.user, outcome: this.lastTransaction.txn.outcome, reason: this.lastTransaction.txn.reason };
  }

  /**
   * Asks, as the user, to remove a replica from the group of the shard holding the key;
   * without a user, through the database's own membership API with no credentials.
   */
  removeReplica(user: string | undefined, key: string): void {
    const database = this.world.cluster.database;
    const shard = shardForKey(database.shardMap, key)!;
    const node = shard.replicas.find((replica) => replica !== database.leaderOf(shard.id)) ?? shard.replicas[0];
    noteDirectMembershipChange(this.world, shard.id);
    const change = { type: 'remove', node } as const;
    const result = user === undefined ? database.changeMembership(shard.id, change) : this.store.changeMembership(this.principalOf(user), shard.id, change);
    this.record(user ?? ANONYMOUS, result.ok, result.ok ? undefined : 'text' in result ? result.text : String(result.reason));
  }

  /** Asks, as the user, to create another user. */
  createUser(by: string, user: string): void {
    const result = this.change(by, { kind: 'add-user', user, proof: credentialProof(user, 'secret') });
    this.outcomes.set(by, { ok: result.ok, reason: result.ok ? undefined : result.reason });
  }

  // ---- georeplicated keyspaces ----

  /** Sends a request to the region as the user (with the given password, or the user's own). */
  private geoSubmit(user: string, region: string, fullKey: string, operation: GeoOperation | undefined, password?: string): OperationHandle {
    const { keyspace, key } = splitFullKey(fullKey);
    const who = password === undefined ? this.principalOf(user) : principal(user, password);
    return geo(this.world).submit(region, { keyspace, key, operation, principal: who });
  }

  /** A georeplication request as the user in the region; waits (at most 15 s) for the answer and returns the value read. */
  geoRequest(user: string, region: string, fullKey: string, operation: GeoOperation | undefined, password?: string): string | undefined {
    const handle = this.geoSubmit(user, region, fullKey, operation, password);
    this.world.waitUntil(() => handle.done, USER_OPERATION_BOUND_MS, `the answer to user ${user} in ${region}`);
    const result = handle.result!;
    this.record(user, result.ok, result.ok ? undefined : result.error);
    return result.ok && result.value.kind === 'lww' ? (result.value.value ?? 'nothing') : undefined;
  }

  /** Every region reads the key as `expected` at every 10 ms of virtual time for the duration. */
  assertRegionsKeepReading(fullKey: string, expected: string, durationMs: number): void {
    const cluster = geo(this.world);
    const endMs = this.world.sim.nowMs + durationMs;
    for (;;) {
      for (const region of cluster.regions) {
        const value = cluster.renderAt(region, fullKey);
        if (value !== expected) throw new Error(`${region} read ${fullKey} as ${value} at ${this.world.sim.nowMs} ms, not ${expected}`);
      }
      if (this.world.sim.nowMs >= endMs) return;
      this.world.sim.runFor(Math.min(10, endMs - this.world.sim.nowMs));
    }
  }

  // ---- admin operations of the placement service ----

  private placementAdminInstance: PlacementAdmin | undefined;
  /** The map epoch and executor backlog when the last placement request was made, and what it submitted. */
  private lastPlacementRequest: { epoch: number; moveIds: readonly string[] } | undefined;

  /** The placement service's admin operations, driving the elastic cluster's executor when there is one. */
  get placementAdmin(): PlacementAdmin {
    const database = this.world.cluster.database;
    this.placementAdminInstance ??= new PlacementAdmin(this.world.sim, this.store, database.placement, () => existingElastic(this.world)?.cluster.executor ?? rebalancing(this.world).executor);
    return this.placementAdminInstance;
  }

  private noteRequest(user: string, outcome: AdminRequestOutcome, epoch: number): void {
    this.lastPlacementRequest = { epoch, moveIds: outcome.ok ? outcome.moveIds : [] };
    this.record(user, outcome.ok, outcome.ok ? undefined : outcome.text);
  }

  /** As the user, asks the placement service to split the shard holding the key (its upper half of slots to a new shard). */
  requestSplit(user: string, key: string): void {
    const database = this.world.cluster.database;
    const shard = shardForKey(database.shardMap, key)!;
    const slots = [...slotsOf(shard.slots)];
    const move: Move = { kind: 'split', shard: shard.id, newShard: `${shard.id}-split`, ranges: rangesFromSlots(slots.slice(Math.ceil(slots.length / 2))), replicas: [...shard.replicas], reason: `requested by ${user}` };
    const epoch = database.shardMap.epoch;
    this.noteRequest(user, this.placementAdmin.requestMoves(this.principalOf(user), [move]), epoch);
  }

  /** As the user, asks to move a follower's replica of the shard holding the key to a running node that has none. */
  requestReplicaMove(user: string, key: string): void {
    const database = this.world.cluster.database;
    const shard = shardForKey(database.shardMap, key)!;
    const from = shard.replicas.find((node) => node !== database.leaderOf(shard.id)) ?? shard.replicas[0];
    const to = this.world.cluster.liveMembers().map((member) => member.id).filter((node) => !shard.replicas.includes(node)).sort()[0];
    if (to === undefined) throw new Error(`In step "${this.world.currentStep}": every running node holds a replica of ${shard.id}; start more nodes than replicas`);
    const epoch = database.shardMap.epoch;
    this.noteRequest(user, this.placementAdmin.requestMoves(this.principalOf(user), [{ kind: 'move-replica', shard: shard.id, from, to, reason: `requested by ${user}` }]), epoch);
  }

  /** As the user, starts a rebalance of replica counts (within 10% of the mean, replication factor of the map). */
  startRebalance(user: string): void {
    const database = this.world.cluster.database;
    const replicationFactor = database.shardMap.shards[0]?.replicas.length ?? 3;
    const input = () => ({ map: database.shardMap, nodes: rebalancing(this.world).planNodes(), policy: { measure: 'replicas' as const, threshold: 0.1, replicationFactor } });
    const epoch = database.shardMap.epoch;
    this.noteRequest(user, this.placementAdmin.startRebalance(this.principalOf(user), input), epoch);
  }

  /** The map stays at the epoch it had when the last placement request was made, for the whole duration. */
  assertMapUnchanged(durationMs: number): void {
    const request = this.requirePlacementRequest();
    const database = this.world.cluster.database;
    const endMs = this.world.sim.nowMs + durationMs;
    while (this.world.sim.nowMs < endMs) {
      this.world.sim.runFor(Math.min(50, endMs - this.world.sim.nowMs));
      if (database.shardMap.epoch !== request.epoch) throw new Error(`the shard map moved from epoch ${request.epoch} to ${database.shardMap.epoch} (${database.placement.history().at(-1)?.reason ?? '?'}) after a refused request`);
    }
    if (request.moveIds.length > 0) throw new Error(`the last placement request was accepted (moves ${request.moveIds.join(', ')})`);
  }

  /** Every move of the last placement request finished as done within the bound, and the map changed. */
  assertRequestedMovesDone(withinMs: number): void {
    const request = this.requirePlacementRequest();
    if (request.moveIds.length === 0) throw new Error('the last placement request submitted no move');
    const placement = this.world.cluster.database.placement;
    const finished = () => placement.finishedMoves().filter((move) => request.moveIds.includes(move.moveId));
    this.world.waitUntil(() => finished().length === request.moveIds.length, withinMs, `the moves ${request.moveIds.join(', ')} to finish`);
    const rolledBack = finished().filter((move) => move.outcome !== 'done');
    if (rolledBack.length > 0) throw new Error(`moves ${rolledBack.map((move) => move.moveId).join(', ')} were rolled back`);
    if (this.world.cluster.database.shardMap.epoch === request.epoch) throw new Error(`the moves finished but the map is still at epoch ${request.epoch}`);
  }

  private requirePlacementRequest(): { epoch: number; moveIds: readonly string[] } {
    if (this.lastPlacementRequest === undefined) throw new Error(`In step "${this.world.currentStep}": no user asked the placement service for anything earlier`);
    return this.lastPlacementRequest;
  }

  /** As the user, changes the cluster's scaling policy; waits (at most 5 s) until it is committed or refused. */
  changeScalingPolicy(user: string, spec: ScalingPolicySpec): void {
    const change = this.placementAdmin.changeScalingPolicy(this.principalOf(user), spec);
    this.world.waitUntil(() => change.done, ADMIN_BOUND_MS, `the scaling policy change of user ${user}`);
    const outcome = change.outcome!;
    this.record(user, outcome.ok, outcome.ok ? undefined : outcome.text);
  }

  /** The outcome of a request made through another part of the system (a query), for the refusal steps. */
  noteOutcome(user: string, ok: boolean, reason: string | undefined): void {
    this.record(user, ok, reason);
  }

  private record(user: string, ok: boolean, reason: string | undefined): void {
    this.outcomes.set(user, { ok, reason });
    if (!ok && reason !== undefined && reason.includes(`user "${user}" may not`)) this.noteRefusal(user, reason);
  }

  private noteRefusal(user: string, reason: string): void {
    this.refusalsSeen.push({ user, text: reason });
  }

  lastOutcome(user: string): UserOutcome {
    const outcome = this.outcomes.get(user);
    if (outcome === undefined) throw new Error(`In step "${this.world.currentStep}": user "${user}" has not asked for anything yet`);
    return outcome;
  }

  /** The user's last request was refused; the reason must name the user, the operation and the missing permission. */
  assertRefused(user: string, operation: string, missing: string): void {
    const outcome = this.lastOutcome(user);
    if (outcome.ok) throw new Error(`user "${user}"'s last request succeeded, but it should have been refused`);
    const reason = outcome.reason ?? '(no reason)';
    for (const part of [`user "${user}"`, operation, `missing ${missing}`]) {
      if (!reason.includes(part)) throw new Error(`the refusal should mention ${JSON.stringify(part)}, but says: ${reason}`);
    }
  }

  /** Every refusal a step saw is in the audit log, with the same words. */
  assertAudited(): void {
    const audit = this.admin.audit;
    this.world.attachText('audit log (refused requests)', audit.render());
    if (this.refusalsSeen.length === 0) throw new Error('no step saw a refusal, so there is nothing to look for in the audit log');
    for (const seen of this.refusalsSeen) {
      const found = audit.entries.some((entry) => entry.refusal.user === seen.user && seen.text.includes(entry.refusal.text));
      if (!found) throw new Error(`the refusal of user "${seen.user}" ("${seen.text}") is not in the audit log:\n${audit.render()}`);
    }
  }

  // ---- revocation during a workload ----

  /** The user writes `prefix-1`, `prefix-2`, ... one after another until the scenario ends. */
  startWriting(user: string, prefix: string): void {
    if (this.world.hasPart('georep')) return this.startWritingInRegions(user, prefix);
    const client = this.kvClient(user);
    const workload = { user, writes: [] as WorkloadWrite[], running: true };
    this.workload = workload;
    const next = (): void => {
      if (!workload.running) return;
      const write: WorkloadWrite = { invokedAtMs: this.world.sim.nowMs, outcome: 'pending', reason: undefined };
      workload.writes.push(write);
      client.put(`${prefix}-${workload.writes.length}`, String(workload.writes.length)).onComplete((operation) => {
        write.outcome = operation.outcome as WorkloadWrite['outcome'];
        write.reason = operation.reason;
        if (operation.outcome === 'fail' && operation.reason?.includes('may not')) this.noteRefusal(user, operation.reason);
        // The next write starts in a later event: the client is still finishing this one.
        this.world.sim.scheduler.schedule(5, next);
      });
    };
    next();
  }

  /** Like startWriting, in a georeplicated keyspace (`prefix` is "keyspace/key"): each write in the next region in turn. */
  private startWritingInRegions(user: string, prefix: string): void {
    const regions = geo(this.world).regions;
    const workload = { user, writes: [] as WorkloadWrite[], running: true };
    this.workload = workload;
    const next = (): void => {
      if (!workload.running) return;
      const write: WorkloadWrite = { invokedAtMs: this.world.sim.nowMs, outcome: 'pending', reason: undefined };
      workload.writes.push(write);
      const count = workload.writes.length;
      const handle = this.geoSubmit(user, regions[count % regions.length], `${prefix}-${count}`, { kind: 'put', value: String(count) });
      const poll = (): void => {
        if (!handle.done) return void this.world.sim.scheduler.schedule(5, poll);
        const result = handle.result!;
        write.outcome = result.ok ? 'ok' : result.unavailable ? 'unknown' : 'fail';
        write.reason = result.ok ? undefined : result.error;
        if (!result.ok && result.error.includes('may not')) this.noteRefusal(user, result.error);
        this.world.sim.scheduler.schedule(5, next);
      };
      poll();
    };
    next();
  }

  /** Writes that started after the revocation was done were all refused; some before it succeeded. */
  assertRevocationHeld(user: string): { before: number; after: number } {
    const workload = this.workload;
    const doneAtMs = this.revocationDoneAtMs;
    if (workload === undefined || workload.user !== user) throw new Error(`In step "${this.world.currentStep}": user "${user}" is not writing continuously`);
    if (doneAtMs === undefined) throw new Error(`In step "${this.world.currentStep}": no role was revoked earlier`);
    workload.running = false;
    const before = workload.writes.filter((write) => write.invokedAtMs < doneAtMs && write.outcome === 'ok').length;
    const after = workload.writes.filter((write) => write.invokedAtMs >= doneAtMs && write.outcome !== 'pending');
    this.world.attachText('writes around the revocation', `revocation done at ${doneAtMs} ms; ${before} writes succeeded before it; after it: ${after.map((write) => `${write.invokedAtMs} ms ${write.outcome}`).join(', ')}`);
    if (before === 0) throw new Error(`no write of user "${user}" succeeded before the revocation, so the scenario shows nothing`);
    if (after.length === 0) throw new Error(`user "${user}" wrote nothing after the revocation, so the scenario shows nothing`);
    const through = after.find((write) => write.outcome !== 'fail');
    if (through !== undefined) throw new Error(`a write of user "${user}" started at ${through.invokedAtMs} ms, after the revocation was done at ${doneAtMs} ms, ended ${through.outcome}`);
    return { before, after: after.length };
  }
}

export function access(world: PhantomWorld): AccessScenario {
  return world.part('access', () => new AccessScenario(world));
}
