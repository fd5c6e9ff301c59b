import type { AuditLog } from '../auth/audit';
import { type AuthCommand, type AuthLogEntry, type AuthResult, describeCommand, RoleTable } from '../auth/role-table';
import type { Access, Decision, Principal, Target } from '../auth/types';
import type { ConfigChange } from '../raft';
import type { Simulation } from '../sim';
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

/**
 * Users, roles and authentication for a whole database, as an admin drives them (etcd's
 * `user add`, `role grant-permission`, `user grant-role`, `auth enable`).
 *
 * Every change becomes an auth entry in the log of every shard, one change at a time and
 * numbered, so that each shard's role table goes through the same versions (the table
 * lives in the store, src/auth/role-table.ts). A change is done when every shard applied
 * it; the admin's right to make it is judged by each shard at its log position, so all
 * shards reach the same verdict.
 *
 * Other admin operations (membership changes, placement and scaling policies) ask
 * `authorizeAdmin` first, which consults the freshest role table among the shard leaders.
 */
export class ClusterSecurity {
  private readonly queue: { entry: Omit<AuthLogEntry, 'version'>; operation: AdminOperation }[] = [];
  private running = false;

  constructor(
    private readonly sim: Simulation,
    private readonly database: ShardedDatabase,
  ) {}

  get audit(): AuditLog {
    return this.database.audit;
  }

  /** Queues a change of the role table, made by `by` (an admin once authentication is on). */
  change(by: Principal | undefined, command: AuthCommand): AdminOperation {
    if (this.database.shardIds().length === 0) throw new Error('create the store before its users: the role table lives in its shards');
    const operation = new AdminOperation(describeCommand(command));
    this.queue.push({ entry: { ...(by ? { by } : {}), command }, operation });
    if (!this.running) this.startNext();
    return operation;
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

  private startNext(): void {
    const next = this.queue.shift();
    if (next === undefined) {
      this.running = false;
      return;
    }
    this.running = true;
    const version = this.freshestTable().version + 1;
    const entry: AuthLogEntry = { ...next.entry, version };
    const results = new Map<string, AuthResult>();
    const shards = this.database.shardIds();
    for (const shardId of shards) {
      this.proposeOn(shardId, entry, (result) => {
        results.set(shardId, result);
        if (results.size === shards.length) this.finish(next.operation, entry, results);
      });
    }
  }

  /** Proposes the entry on the shard's leader until it is applied there (a retry of the same version is idempotent). */
  private proposeOn(shardId: string, entry: AuthLogEntry, done: (result: AuthResult) => void): void {
    const leader = this.database.leaderOf(shardId);
    const replica = leader === undefined ? undefined : this.database.replica(shardId, leader);
    if (replica === undefined) {
      this.sim.scheduler.schedule(RETRY_MS, () => this.proposeOn(shardId, entry, done));
      return;
    }
    let settled = false;
    const retry = (delayMs: number): void => {
      if (settled) return;
      settled = true;
      this.sim.scheduler.schedule(delayMs, () => this.proposeOn(shardId, entry, done));
    };
    this.sim.scheduler.schedule(ATTEMPT_TIMEOUT_MS, () => retry(0));
    replica.propose({ auth: entry }, (outcome) => {
      if (settled) return;
      if (!outcome.ok) return retry(RETRY_MS);
      settled = true;
      done(outcome.result as AuthResult);
    });
  }

  private finish(operation: AdminOperation, entry: AuthLogEntry, results: Map<string, AuthResult>): void {
    const verdicts = new Set([...results.values()].map((result) => JSON.stringify(result)));
    // Every shard applied the same versions in the same order, so they must agree.
    if (verdicts.size !== 1) throw new Error(`shards disagree on auth change ${entry.version} (${operation.description}): ${[...verdicts].join(' / ')}`);
    const result = results.values().next().value as AuthResult;
    if (!result.ok && result.refusal !== undefined) this.audit.record('admin', operation.description, result.refusal);
    operation.result = result;
    operation.completedAtMs = this.sim.nowMs;
    operation.done = true;
    this.startNext();
  }
}
