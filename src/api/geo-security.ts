/**
 * Users, roles and authentication for a georeplicated cluster, as an admin drives them
 * (the same commands as the store's, src/api/security.ts).
 *
 * Where the role table lives: every region holds its own copy, as replicated state of that
 * region, and each region judges its own clients' requests against it.
 * - Regions of many nodes: the role module of every shard's state machine
 *   (src/auth/role-module.ts), changed only by `{ auth }` entries through the region's Raft
 *   groups; a write is judged at its own log position, a read after its read barrier.
 * - One node per region: the region is one durable replica, so its copy is on that node's
 *   disk, synced before a change is acknowledged. Nothing inside the region replicates it
 *   (nothing inside the region replicates the data either); what makes the regions' copies
 *   one replicated table is this facade's numbered delivery of every change to every region,
 *   in order, retried until applied.
 *
 * A change is done when every region applied it (RoleChangeQueue). The role table is not
 * carried by the replication streams between regions: an eventually consistent merge of
 * permissions would let a revoked user write in a region the revocation had not reached,
 * with no bound. Revocation bound: a region refuses the user's requests from the moment it
 * applied the revocation (for writes in a region of many nodes: every write whose entry
 * follows the revocation's in its shard's log); the change is done, and every region refuses,
 * once every region applied it, which waits for a cut-off or failed region to come back.
 */
import { AuditLog } from '../auth/audit';
import { type AuthCommand, type AuthLogEntry, type AuthResult, RoleTable } from '../auth/role-table';
import type { Access, Decision, Principal, Target } from '../auth/types';
import type { GeoCluster } from './geo-cluster';
import { type AdminOperation, type RoleAdministration, RoleChangeQueue, type RoleTableHolder } from './security';

export class GeoSecurity implements RoleAdministration {
  private readonly changes: RoleChangeQueue;

  constructor(private readonly geo: GeoCluster) {
    const holders = (): RoleTableHolder[] =>
      geo.regions.map((region) => ({ name: `region ${region}`, deliver: (entry: AuthLogEntry, done: (result: AuthResult) => void) => this.deliver(region, entry, done) }));
    this.changes = new RoleChangeQueue(geo.sim, geo.audit, holders, () => this.freshestTable().version);
  }

  get audit(): AuditLog {
    return this.geo.audit;
  }

  /** Queues a change of every region's role table, made by `by` (an admin once authentication is on). */
  change(by: Principal | undefined, command: AuthCommand): AdminOperation {
    return this.changes.change(by, command);
  }

  /** The copy that applied the most changes: it reflects every change completed so far. */
  freshestTable(): RoleTable {
    let best: RoleTable | undefined;
    for (const region of this.geo.regions) {
      const table = this.geo.servers(region).roles?.();
      if (table !== undefined && (best === undefined || table.version > best.version)) best = table;
    }
    return best ?? new RoleTable();
  }

  /** The role table of one region, as its most advanced running server holds it. */
  tableOf(region: string): RoleTable | undefined {
    return this.geo.servers(region).roles?.();
  }

  authorize(principal: Principal | undefined, access: Access, target: Target): Decision {
    return this.freshestTable().authorize(principal, access, target);
  }

  authorizeAdmin(by: Principal | undefined, action: string): Decision {
    const decision = this.authorize(by, 'admin', { kind: 'cluster', action });
    if (!decision.allowed) this.audit.record('admin', action, decision.refusal);
    return decision;
  }

  private deliver(region: string, entry: AuthLogEntry, done: (result: AuthResult) => void): void {
    const servers = this.geo.servers(region);
    if (servers.changeRoles === undefined) throw new Error(`the regions are deployed as ${this.geo.deployment.description}, which keeps no role table`);
    servers.changeRoles(entry, done);
  }
}
