/**
 * Who may read and write a georeplicated keyspace: the rule both deployments apply to a
 * client request, pure. A region judges a request against its own copy of the role table
 * (src/auth/role-table.ts): one node per region keeps it on the replica's disk
 * (replica.ts), a region of many nodes in every shard's replicated state machine, where a
 * write is judged at its own log position (src/api/geo-regions.ts) and a read after the
 * read barrier it passed (region-node.ts). Replication between regions is node-to-node
 * traffic: it is admitted by the message boundary (src/georep/wire.ts), never by a user's
 * roles, so none of it passes through here.
 *
 * Anchors: etcd's RBAC (a read needs read, a write needs write permission on the key
 * range; the check happens where the request is applied) and CockroachDB's privileges
 * (SELECT / INSERT on a table, GRANT by an admin).
 */
import type { RoleTable } from '../auth/role-table';
import type { Access, Decision, Principal, Refusal } from '../auth/types';
import type { GeoOperation } from './strategies';

/** An update whose user lacked the permission: nothing was applied. */
export interface GeoForbidden {
  readonly status: 'forbidden';
  readonly refusal: Refusal;
}

/** Reads need read-only, every update (put, delete, increment, add, remove) read-write. */
export function geoAccess(operation: GeoOperation | undefined): Access {
  return operation === undefined ? 'read' : 'write';
}

/** Judges a request on a keyspace; everything is allowed while the table's authentication is off. */
export function judgeGeoRequest(table: RoleTable, principal: Principal | undefined, keyspace: string, access: Access): Decision {
  return table.authorize(principal, access, { kind: 'georep', keyspace });
}

/** How the audit log names a refused georeplication request. */
export function describeGeoRequest(operation: GeoOperation | undefined, keyspace: string, key: string, client: string): string {
  const what = operation === undefined ? 'read' : operation.kind;
  return `georeplicated ${what} of ${JSON.stringify(`${keyspace}/${key}`)} (client ${client})`;
}

/**
 * For a region of many nodes: a client update in a shard's log is judged at its own log
 * position, against the role table as of that position, by every replica alike (so a
 * revocation committed earlier in the shard's log applies). Other georeplication entries
 * (changes from other regions, acknowledgements, merges, repairs) are node-to-node and
 * are not judged by user roles.
 */
export function forbiddenGeoEntry(table: RoleTable | undefined, command: { readonly kind: string; readonly keyspace?: string; readonly principal?: Principal }): GeoForbidden | undefined {
  if (command.kind !== 'update' || table === undefined) return undefined;
  const decision = judgeGeoRequest(table, command.principal, command.keyspace ?? '', 'write');
  return decision.allowed ? undefined : { status: 'forbidden', refusal: decision.refusal };
}
