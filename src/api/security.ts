import type { AuditLog } from '../auth/audit';
import { type AuthCommand, type AuthLogEntry, type AuthResult, describeCommand, RoleTable } from '../auth/role-table';
import type { Access, Decision, Principal, Target } from '../auth/types';
import type { ConfigChange } from '../raft';
import type { Simulation } from '../sim';
import { plainInput } from '../util/wire-copy';
import type { MembershipChangeResult, ShardedDatabase } from './database';

/** How often a change that found no leader (or lost it) is proposed again. */
const RETRY_MS = 50;
/** An attempt unanswered this long (its leader crashed) is made again. */
const ATTEMPT_TIMEOUT_MS = 500;

/** An admin operation in flight; poll `done` (a handle, not a Promise: it completes in virtual time). */
export class AdminOperation {
  done = false;
  result: AuthResult | undefined;
  /** Simulation time when every shard had applied the change. */
  completedAtMs: number | undefined;

  constructor(readonly description: string) {}
}

/** Where a role table lives: a shard of the store, or a region of a georeplicated cluster. */
export interface RoleTableHolder {
  /** Names it in errors ("shard-1", "region us-east"). */
  readonly name: string;
  /** Delivers a numbered change; `done` runs once, when the holder applied it durably (retrying until then). */
  deliver(entry: AuthLogEntry, done: (result: AuthResult) => void): void;
}

/** What a role administration offers (the store's and the georeplicated cluster's). */
export interface RoleAdministration {
  readonly audit: AuditLog;
  change(by: Principal | undefined, command: AuthCommand): AdminOperation;
  freshestTable(): RoleTable;
  authorize(principal: Principal | undefined, access: Access, target: Target): Decision;
  authorizeAdmin(by: Principal | undefined, action: string): Decision;
}

/**
 * Changes of a replicated role table, one at a time and numbered, delivered to every holder
 * of a copy (every shard, or every region), so each copy goes through the same versions.
 * A change is done when every holder applied it; the signer's right to make it is judged
 * by each copy at its own position, so all reach the same verdict.
 */
export class RoleChangeQueue {
  private readonly queue: { entry: Omit<AuthLogEntry, 'version'>; operation: AdminOperation }[] = [];
  private running = false;

  constructor(
    private readonly sim: Simulation,
    private readonly audit: AuditLog,
    private readonly holders: () => readonly RoleTableHolder[],
    private readonly currentVersion: () => number,
  ) {}

  /** Queues a change of the role table, made by `by` (an admin once authentication is on). */
  change(by: Principal | undefined, command: AuthCommand): AdminOperation {
    // Both go into every holder's log as they are.
    by = by === undefined ? undefined : plainInput(by, 'the admin principal');
    command = plainInput(command, 'the role change');
    const operation = new AdminOperation(describeCommand(command));
    this.queue.push({ entry: { ...(by ? { by } : {}), command }, operation });
    if (!this.running) this.startNext();
    return operation;
  }

  private startNext(): void {
    const next = this.queue.shift();
    if (next === undefined) {
      this.running = false;
      return;
    }
    this.running = true;
    const entry: AuthLogEntry = { ...next.entry, version: this.currentVersion() + 1 };
    const results = new Map<string, AuthResult>();
    const holders = this.holders();
    for (const holder of holders) {
      holder.deliver(entry, (result) => {
        results.set(holder.name, result);
        if (results.size === holders.length) this.finish(next.operation, entry, results);
      });
    }
  }

  private finish(operation: AdminOperation, entry: AuthLogEntry, results: Map<string, AuthResult>): void {
    const verdicts = new Set([...results.values()].map((result) => JSON.stringify(result)));
    // Every copy applied the same versions in the same order, so they must agree.
    if (verdicts.size !== 1) throw new Error(`copies of the role table disagree on auth change ${entry.version} (${operation.description}): ${[...verdicts].join(' / ')}`);
    const result = results.values().next().value as AuthResult;
    if (!result.ok && result.refusal !== undefined) this.audit.record('admin', operation.description, result.refusal);
    operation.result = result;
    operation.completedAtMs = this.sim.nowMs;
    operation.done = true;
    this.startNext();
  }
}

/** A Raft group's leader, as far as proposing goes. */
export interface Proposer {
  propose(data: unknown, callback: (outcome: { ok: true; result: unknown } | { ok: false }) => void): void;
}

/** Proposes `data` on the current leader until it is applied there (the entry must be idempotent, as a numbered auth change is). */
export function proposeUntilApplied(sim: Simulation, leader: () => Proposer | undefined, data: unknown, done: (result: unknown) => void): void {
  const replica = leader();
  if (replica === undefined) {
    sim.scheduler.schedule(RETRY_MS, () => proposeUntilApplied(sim, leader, data, done));
    return;
  }
  let settled = false;
  const retry = (delayMs: number): void => {
    if (settled) return;
    settled = true;
    sim.scheduler.schedule(delayMs, () => proposeUntilApplied(sim, leader, data, done));
  };
  sim.scheduler.schedule(ATTEMPT_TIMEOUT_MS, () => retry(0));
  replica.propose(data, (outcome) => {
    if (settled) return;
    if (!outcome.ok) return retry(RETRY_MS);
    settled = true;
    done(outcome.result);
  });
}

/**
 * Users, roles and authentication for a whole database, as an admin drives them (etcd's
 * `user add`, `role grant-permission`, `user grant-role`, `auth enable`).
 *
 * Every change becomes an auth entry in the log of every shard, one change at a time and
 * numbered (RoleChangeQueue), so that each shard's role table goes through the same versions
 * (the table lives in the store, src/auth/role-table.ts).
 *
 * Other admin operations (membership changes, placement and scaling policies) ask
 * `authorizeAdmin` first, which consults the freshest role table among the shard leaders.
 */
export class ClusterSecurity implements RoleAdministration {
  private readonly changes: RoleChangeQueue;

  constructor(
    private readonly sim: Simulation,
    private readonly database: ShardedDatabase,
  ) {
    const holders = (): RoleTableHolder[] =>
      this.database.shardIds().map((shardId) => ({
        name: shardId,
        deliver: (entry, done) => proposeUntilApplied(this.sim, () => this.leaderReplica(shardId), { auth: entry }, (result) => done(result as AuthResult)),
      }));
    this.changes = new RoleChangeQueue(sim, database.audit, holders, () => this.freshestTable().version);
  }

  get audit(): AuditLog {
    return this.database.audit;
  }

  /** Queues a change of the role table, made by `by` (an admin once authentication is on). */
  change(by: Principal | undefined, command: AuthCommand): AdminOperation {
    if (this.database.shardIds().length === 0) throw new Error('create the store before its users: the role table lives in its shards');
    return this.changes.change(by, command);
  }

  private leaderReplica(shardId: string): Proposer | undefined {
    const leader = this.database.leaderOf(shardId);
    return leader === undefined ? undefined : this.database.replica(shardId, leader);
  }

  /**
   * The role table of the shard leader that applied the most changes: it reflects every
   * change completed so far (changes complete only once every shard applied them).
   */
  freshestTable(): RoleTable {
    let best: RoleTable | undefined;
    for (const shardId of this.database.shardIds()) {
      const leader = this.database.leaderOf(shardId);
      const table = leader === undefined ? undefined : this.database.kvOn(leader)?.machine(shardId)?.auth;
      if (table !== undefined && (best === undefined || table.version > best.version)) best = table;
    }
    return best ?? new RoleTable();
  }

  /** The authorization check for callers outside the key-value path (the query layer's tables). */
  authorize(principal: Principal | undefined, access: Access, target: Target): Decision {
    return this.freshestTable().authorize(principal, access, target);
  }

  /** Checks that `by` may perform an admin action; a refusal is written to the audit log. */
  authorizeAdmin(by: Principal | undefined, action: string): Decision {
    const decision = this.authorize(by, 'admin', { kind: 'cluster', action });
    if (!decision.allowed) this.audit.record('admin', action, decision.refusal);
    return decision;
  }

  /** A membership change of one group as `by`: the group's leader allows it to admins only (see ShardedDatabase.changeMembership). */
  changeMembership(by: Principal | undefined, groupId: string, change: ConfigChange): MembershipChangeResult {
    return this.database.changeMembership(groupId, change, { user: by });
  }
}
