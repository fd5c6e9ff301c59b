import { type Access, type Decision, describeKeyspace, describeTarget, type Grant, type Keyspace, type Permission, type Principal, type Refusal, type Target, tableKeyPrefixes, tablePrefix } from './types';

/**
 * The authorization rule, pure: which grants let which access reach which target.
 * Used by the replicated role table (src/auth/role-table.ts) and, through it, by every
 * serving replica; the query layer calls it for tables.
 */

/** What each permission allows (etcd: read, write, readwrite; admin adds cluster operations). */
const allowed: Readonly<Record<Permission, readonly Access[]>> = {
  'read-only': ['read'],
  'read-write': ['read', 'write'],
  admin: ['read', 'write', 'admin'],
};

export function permits(permission: Permission, access: Access): boolean {
  return allowed[permission].includes(access);
}

/** True when the keyspace contains the whole target. */
export function covers(keyspace: Keyspace, target: Target): boolean {
  switch (target.kind) {
    case 'key':
      if (keyspace.kind === 'prefix') return target.key.startsWith(keyspace.prefix);
      return keyspace.kind === 'table' && tableKeyPrefixes(keyspace.table).some((prefix) => target.key.startsWith(prefix));
    case 'table':
      if (keyspace.kind === 'prefix') return tablePrefix(target.table).startsWith(keyspace.prefix);
      return keyspace.kind === 'table' && keyspace.table === target.table;
    case 'georep':
      return keyspace.kind === 'georep' && keyspace.keyspace === target.keyspace;
    case 'cluster':
      // Cluster operations need admin over the whole store.
      return keyspace.kind === 'prefix' && keyspace.prefix === '';
  }
}

/** The smallest permission an access needs. */
export function neededPermission(access: Access): Permission {
  return access === 'read' ? 'read-only' : access === 'write' ? 'read-write' : 'admin';
}

/** Decides whether grants allow an access; the refusal names what is missing. */
export function decide(user: string, grants: readonly Grant[], access: Access, target: Target): Decision {
  if (grants.some((grant) => permits(grant.permission, access) && covers(grant.keyspace, target))) return { allowed: true };
  const needed = neededPermission(access);
  const where = target.kind === 'cluster' ? 'every key' : describeTarget(target);
  return refuse(user, access, target, `${needed} on ${where}`);
}

export function refuse(user: string, access: Access, target: Target, missing: string): { allowed: false; refusal: Refusal } {
  const what = describeTarget(target);
  const verb = access === 'admin' ? `perform ${what}` : `${access} ${what}`;
  return { allowed: false, refusal: { user, access, target: what, missing, text: `user "${user}" may not ${verb}: missing ${missing}` } };
}

export function anonymousName(principal: Principal | undefined): string {
  return principal?.user ?? '(anonymous)';
}

export function describeGrant(grant: Grant): string {
  return `${grant.permission} on ${describeKeyspace(grant.keyspace)}`;
}
