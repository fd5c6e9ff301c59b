/**
 * Vocabulary of authentication and authorization (anchored on etcd's auth/RBAC: users,
 * roles, permissions on key ranges, auth enabled cluster-wide).
 *
 * Key layout assumed for keyspaces (the query layer keeps to it):
 * - a key prefix `p` covers every key that starts with `p` (`''` covers every key);
 * - a table `t` is the keys under `table/<t>/` (rows are `table/<t>/<primary key>`), so a
 *   grant on the table covers exactly its rows, and a prefix grant covers every table whose
 *   prefix it covers;
 * - a georeplication keyspace `k` is the geo store's own keyspace of that name (not a key
 *   prefix of the sharded store).
 */

export type Permission = 'read-only' | 'read-write' | 'admin';
export const PERMISSIONS: readonly Permission[] = ['read-only', 'read-write', 'admin'];

export type Keyspace =
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'table'; readonly table: string }
  | { readonly kind: 'georep'; readonly keyspace: string };

export interface Grant {
  readonly keyspace: Keyspace;
  readonly permission: Permission;
}

/** What a request does. `admin`: membership changes, placement and scaling policies, users and roles. */
export type Access = 'read' | 'write' | 'admin';

/** What a request touches. */
export type Target =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'table'; readonly table: string }
  | { readonly kind: 'georep'; readonly keyspace: string }
  /** The cluster itself: admin operations. */
  | { readonly kind: 'cluster'; readonly action: string };

/** Who sends a request: a user name and the proof of its password (see credentials.ts). */
export interface Principal {
  readonly user: string;
  readonly proof: string;
}

/** Why a request was refused, in words an operator can act on. */
export interface Refusal {
  /** The user named by the request; `(anonymous)` when it named none. */
  readonly user: string;
  readonly access: Access;
  /** The key, table, keyspace or admin action, as text. */
  readonly target: string;
  /** The permission the user lacks, or why the user is not authenticated. */
  readonly missing: string;
  readonly text: string;
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly refusal: Refusal };

export const TABLE_PREFIX = 'table/';

/** The key prefix of a table's rows. */
export function tablePrefix(table: string): string {
  return `${TABLE_PREFIX}${table}/`;
}

/**
 * Every key prefix under which a table's rows are stored: the documented `table/<t>/`,
 * and the query layer's own layout (src/query/row-keys.ts), `t/<t>/` for a distributed
 * table's rows (hash-tagged by distribution value) and `r/<t>/` for a reference table's
 * copies. A grant on the table covers all of them, so it covers the real row keys.
 */
export function tableKeyPrefixes(table: string): string[] {
  return [tablePrefix(table), `t/${table}/`, `r/${table}/`];
}

export function describeTarget(target: Target): string {
  switch (target.kind) {
    case 'key':
      return `key ${JSON.stringify(target.key)}`;
    case 'table':
      return `table ${JSON.stringify(target.table)}`;
    case 'georep':
      return `georeplicated keyspace ${JSON.stringify(target.keyspace)}`;
    case 'cluster':
      return target.action;
  }
}

export function describeKeyspace(keyspace: Keyspace): string {
  switch (keyspace.kind) {
    case 'prefix':
      return keyspace.prefix === '' ? 'every key' : `keys starting with ${JSON.stringify(keyspace.prefix)}`;
    case 'table':
      return `table ${JSON.stringify(keyspace.table)}`;
    case 'georep':
      return `georeplicated keyspace ${JSON.stringify(keyspace.keyspace)}`;
  }
}
