import { After } from '@cucumber/cucumber';
import { groupStatusTable } from './consensus-scenario';
import type { PhantomWorld } from './world';

// Every scenario that hosts Raft groups shows, for each group, every replica's role, term,
// commit, applied and last index at the end, and the leaders the group had, in the report.
After(function (this: PhantomWorld) {
  if (!this.hasCluster) return;
  const database = this.cluster.database;
  const groups = database.shardIds().map((groupId) => {
    const leaders = database.elections(groupId).map((election) => `term ${election.term}: ${election.node} from ${election.atMs.toFixed(1)} ms`);
    return `${groupId}\n\n${groupStatusTable(database, groupId)}\n\nleaders: ${leaders.join('; ') || 'none'}`;
  });
  if (groups.length > 0) this.attachText(`Raft groups at ${this.sim.nowMs.toFixed(1)} ms`, groups.join('\n\n'));
});
