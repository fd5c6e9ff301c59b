import { anonymousName, decide, refuse } from './authorize';
import { type Access, type Decision, type Grant, type Principal, type Refusal, type Target } from './types';

/**
 * The replicated role table: users (with the proof of their password), roles (with their
 * grants), which user holds which role, and whether authentication is on. It is a module
 * of a shard's replicated state machine with its own log entry kind (`{ auth: AuthCommand }`)
 * and its own snapshot part, so it changes only through committed log entries and every
 * replica of a shard makes the same decision for the same log position.
 *
 * Every shard carries the table. The admin facade (src/api/security.ts) proposes each
 * change to every shard, one at a time, numbered by `version`: a command applies once
 * (a retry of the latest version is answered from `lastResult`), so all shards hold the
 * same table after the same version.
 *
 * Revocation bound: a request is judged against the table as of its own log position
 * (writes, transaction locks) or as of the read barrier it passed (reads). So a request
 * whose entry commits after the revocation's entry in that shard is refused, and once the
 * facade reports the revocation done (applied on every shard) every later request is.
 *
 * Bootstrap (etcd's `auth enable`): while authentication is off everything is allowed and
 * anyone may create users and roles; enabling needs a user who holds admin over every key,
 * and from then on every change needs such a user.
 */

export type AuthCommand =
  | { readonly kind: 'add-user'; readonly user: string; readonly proof: string }
  | { readonly kind: 'remove-user'; readonly user: string }
  /** Creates a role or replaces its grants. */
  | { readonly kind: 'put-role'; readonly role: string; readonly grants: readonly Grant[] }
  | { readonly kind: 'grant-role'; readonly user: string; readonly role: string }
  | { readonly kind: 'revoke-role'; readonly user: string; readonly role: string }
  | { readonly kind: 'enable' }
  | { readonly kind: 'disable' };

/** A command as it travels in the log: numbered, and signed by the admin who asked. */
export interface AuthLogEntry {
  readonly version: number;
  readonly by?: Principal;
  readonly command: AuthCommand;
}

export type AuthResult = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly refusal?: Refusal };

export interface AuthSnapshot {
  readonly format: typeof snapshotFormat;
  readonly enabled: boolean;
  readonly version: number;
  readonly lastResult: AuthResult;
  readonly users: readonly (readonly [string, { readonly proof: string; readonly roles: readonly string[] }])[];
  readonly roles: readonly (readonly [string, readonly Grant[]])[];
}

export const authSnapshotFormat = 'phantomdb.auth.v1';
const snapshotFormat = authSnapshotFormat;
/** Bounds on the table: users, roles, roles per user, grants per role. */
export const authLimits = { usersMax: 10_000, rolesMax: 1_000, rolesPerUserMax: 64, grantsPerRoleMax: 256 } as const;

interface User {
  proof: string;
  roles: Set<string>;
}

export class RoleTable {
  private enabledValue = false;
  /** Invariant: the number of commands applied, refused ones included. */
  private versionValue = 0;
  private lastResult: AuthResult = { ok: true };
  private readonly users = new Map<string, User>();
  private readonly roles = new Map<string, readonly Grant[]>();

  get enabled(): boolean {
    return this.enabledValue;
  }

  get version(): number {
    return this.versionValue;
  }

  get isEmpty(): boolean {
    return this.versionValue === 0;
  }

  userNames(): string[] {
    return [...this.users.keys()].sort();
  }

  rolesOf(user: string): string[] {
    return [...(this.users.get(user)?.roles ?? [])].sort();
  }

  /** Authenticates the principal and checks its grants; everything is allowed while auth is off. */
  authorize(principal: Principal | undefined, access: Access, target: Target): Decision {
    if (!this.enabledValue) return { allowed: true };
    const name = anonymousName(principal);
    const user = principal === undefined ? undefined : this.users.get(principal.user);
    if (user === undefined || user.proof !== principal!.proof) {
      const why = principal === undefined ? 'credentials (the request named no user)' : 'a valid user name and password';
      return refuse(name, access, target, why);
    }
    return decide(name, this.grantsOf(user), access, target);
  }

  /** Applies a committed command. Deterministic: a function of the table and the command. */
  apply(entry: AuthLogEntry): AuthResult {
    if (entry.version <= this.versionValue) {
      // A retry of a command already applied (the facade re-proposes after a lost answer).
      return entry.version === this.versionValue ? this.lastResult : { ok: false, reason: `auth change ${entry.version} is older than ${this.versionValue}` };
    }
    if (entry.version !== this.versionValue + 1) return { ok: false, reason: `auth change ${entry.version} arrived before ${this.versionValue + 1}` };
    this.versionValue = entry.version;
    this.lastResult = this.execute(entry);
    return this.lastResult;
  }

  private execute(entry: AuthLogEntry): AuthResult {
    const command = entry.command;
    const action = `the admin operation "${describeCommand(command)}"`;
    const decision = this.authorize(entry.by, 'admin', { kind: 'cluster', action });
    if (!decision.allowed) return { ok: false, reason: decision.refusal.text, refusal: decision.refusal };
    switch (command.kind) {
      case 'add-user':
        if (this.users.has(command.user)) return { ok: false, reason: `user "${command.user}" already exists` };
        if (this.users.size >= authLimits.usersMax) return { ok: false, reason: `there are already ${authLimits.usersMax} users` };
        this.users.set(command.user, { proof: command.proof, roles: new Set() });
        return { ok: true };
      case 'remove-user':
        if (!this.users.has(command.user)) return { ok: false, reason: `there is no user "${command.user}"` };
        if (this.enabledValue && this.admins().every((admin) => admin === command.user)) return { ok: false, reason: `"${command.user}" is the last admin` };
        this.users.delete(command.user);
        return { ok: true };
      case 'put-role':
        if (!this.roles.has(command.role) && this.roles.size >= authLimits.rolesMax) return { ok: false, reason: `there are already ${authLimits.rolesMax} roles` };
        this.roles.set(command.role, Object.freeze(command.grants.slice(0, authLimits.grantsPerRoleMax)));
        return { ok: true };
      case 'grant-role':
        return this.grantRole(command.user, command.role);
      case 'revoke-role':
        return this.revokeRole(command.user, command.role);
      case 'enable':
        if (this.admins().length === 0) return { ok: false, reason: 'enabling authentication needs a user who holds admin over every key' };
        this.enabledValue = true;
        return { ok: true };
      case 'disable':
        this.enabledValue = false;
        return { ok: true };
    }
  }

  private grantRole(userName: string, role: string): AuthResult {
    const user = this.users.get(userName);
    if (user === undefined) return { ok: false, reason: `there is no user "${userName}"` };
    if (!this.roles.has(role)) return { ok: false, reason: `there is no role "${role}"` };
    if (user.roles.size >= authLimits.rolesPerUserMax) return { ok: false, reason: `user "${userName}" already holds ${authLimits.rolesPerUserMax} roles` };
    user.roles.add(role);
    return { ok: true };
  }

  private revokeRole(userName: string, role: string): AuthResult {
    const user = this.users.get(userName);
    if (user === undefined || !user.roles.has(role)) return { ok: false, reason: `user "${userName}" does not hold role "${role}"` };
    user.roles.delete(role);
    if (this.enabledValue && this.admins().length === 0) {
      user.roles.add(role);
      return { ok: false, reason: `revoking "${role}" from "${userName}" would leave no admin` };
    }
    return { ok: true };
  }

  private grantsOf(user: User): Grant[] {
    return [...user.roles].sort().flatMap((role) => this.roles.get(role) ?? []);
  }

  /** Users who may change the table once authentication is on. */
  private admins(): string[] {
    return [...this.users].filter(([name, user]) => decide(name, this.grantsOf(user), 'admin', { kind: 'cluster', action: 'admin' }).allowed).map(([name]) => name);
  }

  snapshot(): AuthSnapshot {
    const byName = <T>([left]: readonly [string, T], [right]: readonly [string, T]): number => (left < right ? -1 : left > right ? 1 : 0);
    return {
      format: snapshotFormat,
      enabled: this.enabledValue,
      version: this.versionValue,
      lastResult: this.lastResult,
      users: [...this.users].map(([name, user]) => [name, { proof: user.proof, roles: [...user.roles].sort() }] as const).sort(byName),
      roles: [...this.roles].sort(byName),
    };
  }

  /** Replaces the table with a snapshot's (undefined: the empty table). */
  restore(snapshot: AuthSnapshot | undefined): void {
    if (snapshot !== undefined && snapshot.format !== snapshotFormat) throw new TypeError(`not a ${snapshotFormat} snapshot`);
    this.users.clear();
    this.roles.clear();
    this.enabledValue = snapshot?.enabled ?? false;
    this.versionValue = snapshot?.version ?? 0;
    this.lastResult = snapshot?.lastResult ?? { ok: true };
    for (const [name, user] of snapshot?.users ?? []) this.users.set(name, { proof: user.proof, roles: new Set(user.roles) });
    for (const [name, grants] of snapshot?.roles ?? []) this.roles.set(name, grants);
  }
}

export function describeCommand(command: AuthCommand): string {
  switch (command.kind) {
    case 'add-user':
      return `add user ${command.user}`;
    case 'remove-user':
      return `remove user ${command.user}`;
    case 'put-role':
      return `define role ${command.role}`;
    case 'grant-role':
      return `grant role ${command.role} to ${command.user}`;
    case 'revoke-role':
      return `revoke role ${command.role} from ${command.user}`;
    case 'enable':
      return 'enable authentication';
    case 'disable':
      return 'disable authentication';
  }
}

export function isAuthEntry(data: unknown): data is { auth: AuthLogEntry } {
  return typeof data === 'object' && data !== null && 'auth' in data;
}
