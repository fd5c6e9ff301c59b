import { After } from '@cucumber/cucumber';
import { leaderTimelineSvg, shardMapSvg } from './pictures/database-pictures';
import { registeredPictures } from './pictures/registry';
import type { PhantomWorld } from './world';

// Pictures for the report, passed or failed: the leaders and terms of every Raft group, the
// shard map of a store with several shards, and whatever a scenario part registered
// (transactions, sagas). Defined after support/hooks.ts, so it runs before its After hooks,
// while the simulation still exists.
After(function (this: PhantomWorld) {
  if (this.hasCluster && this.hasSimulation) {
    const database = this.cluster.database;
    const servers = this.cluster.nodeIds.filter((node) => !node.startsWith('client:'));
    if (database.shardIds().length > 0) this.attachSvg(leaderTimelineSvg(database, this.sim.nowMs, servers));
    if (database.shardIds().length > 1) this.attachSvg(shardMapSvg(database, servers));
  }
  for (const picture of registeredPictures(this)) {
    try {
      const svg = picture.draw();
      if (svg) this.attachSvg(svg);
    } catch (error) {
      // A broken picture must not hide the scenario's own result.
      this.attachText(`picture "${picture.title}" could not be drawn`, error instanceof Error ? error.message : String(error));
    }
  }
});
