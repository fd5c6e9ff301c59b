import { type Check, int, list, literal, nonEmptyStr, optional, record, str, variant } from '../runtime/wire-check';
import { authLimits } from './role-table';

/** Shape of an auth command in a shard's log (`{ auth: AuthLogEntry }`), checked at the boundary. */

const name = nonEmptyStr(256);
const principal = record({ user: name, proof: str(256) });
const keyspace = variant('kind', {
  prefix: record({ kind: literal('prefix'), prefix: str(1024) }),
  table: record({ kind: literal('table'), table: name }),
  georep: record({ kind: literal('georep'), keyspace: name }),
});
const grant = record({ keyspace, permission: literal('read-only', 'read-write', 'admin') });

export const authCommandCheck: Check = variant('kind', {
  'add-user': record({ kind: literal('add-user'), user: name, proof: str(256) }),
  'remove-user': record({ kind: literal('remove-user'), user: name }),
  'put-role': record({ kind: literal('put-role'), role: name, grants: list(grant, authLimits.grantsPerRoleMax) }),
  'grant-role': record({ kind: literal('grant-role'), user: name, role: name }),
  'revoke-role': record({ kind: literal('revoke-role'), user: name, role: name }),
  enable: record({ kind: literal('enable') }),
  disable: record({ kind: literal('disable') }),
});

export const authLogEntryCheck: Check = record({ version: int(1), by: optional(principal), command: authCommandCheck });
