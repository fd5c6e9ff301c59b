import type { StateMachineModule } from '../replica/module';
import { type AuthLogEntry, type AuthResult, type AuthSnapshot, authSnapshotFormat, RoleTable } from './role-table';

/**
 * The roles module of a shard's replicated state machine (src/replica/host.ts): users,
 * roles and whether authentication is on (src/auth/role-table.ts), changed only by
 * `{ auth }` entries. Other modules' commands are judged against it by the composition,
 * at their log position, so a revocation committed earlier in the log applies.
 */

/** The module's field of the snapshot: present once any auth command was applied. */
export interface RoleSnapshotPart {
  readonly auth?: AuthSnapshot;
}

export class RoleModule implements StateMachineModule<{ readonly auth: AuthLogEntry }, RoleSnapshotPart> {
  readonly name = 'roles';
  readonly kind = 'auth';
  readonly table = new RoleTable();

  validate(entry: { readonly auth: AuthLogEntry }): void {
    if (typeof entry.auth !== 'object' || entry.auth === null) throw new TypeError(`not an auth command: ${JSON.stringify(entry.auth)}`);
  }

  apply(entry: { readonly auth: AuthLogEntry }): AuthResult {
    return this.table.apply(entry.auth);
  }

  snapshotPart(): RoleSnapshotPart {
    return this.table.isEmpty ? {} : { auth: this.table.snapshot() };
  }

  parsePart(snapshot: Readonly<Record<string, unknown>>): RoleSnapshotPart {
    if (snapshot.auth === undefined) return {};
    const { format, users, roles } = (snapshot.auth ?? {}) as Record<string, unknown>;
    if (format !== authSnapshotFormat || !Array.isArray(users) || !Array.isArray(roles)) {
      throw new TypeError(`not a ${authSnapshotFormat} snapshot: ${JSON.stringify(snapshot.auth)}`);
    }
    return { auth: snapshot.auth as AuthSnapshot };
  }

  loadPart(part: RoleSnapshotPart): void {
    this.table.restore(part.auth);
  }
}
