import { After } from '@cucumber/cucumber';
import { consensus } from './consensus-scenario';
import type { PhantomWorld } from './world';

// Every scenario that hosts Raft groups shows, per group, each replica's role, term, commit,
// applied and last index at the end, and the leaders it had, in the report.
After(function (this: PhantomWorld) {
  if (!this.hasCluster) return;
  const database = this.cluster.database;
  for (const groupId of database.shardIds()) {
    const elections = database.elections(groupId).map((election) => `term ${election.term}: ${election.node} from ${election.atMs.toFixed(1)} ms`);
    const table = database.shardIds().length === 1 ? consensus(this).statusTable() : groupTable(this, groupId);
    this.attachText(`Raft group ${groupId} at ${this.sim.nowMs.toFixed(1)} ms`, `${table}\n\nleaders:\n${elections.join('\n') || 'none'}`);
  }
});

function groupTable(world: PhantomWorld, groupId: string): string {
  return world.cluster.database.replicaStatusRows(groupId)
    .map((row) => `${row.node} ${row.process} ${row.role} term ${row.term ?? '-'} commit ${row.commitIndex ?? '-'} applied ${row.appliedIndex ?? '-'} last ${row.lastIndex ?? '-'}`)
    .join('\n');
}
