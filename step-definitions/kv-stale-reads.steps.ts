import { When } from '@cucumber/cucumber';
import { shardForKey } from '../src/sharding/shard-map';
import { kvStore } from '../support/kv-scenario';
import type { PhantomWorld } from '../support/world';

// Glossary section: Key-value store: deposed leaders
// Capability: kv
// Needs first: the store, started by "Given a running cluster of 3 nodes storing data in 1 shard with 3 replicas each".
// A shard's leader that freezes while cut off from the other replicas of its shard, and comes back still believing it leads. Clients reach every node throughout, so a client that talked to that leader before goes back to it first; check what the client reads with "client ... reads ... from ...".

// Needs the store running. The leader of the shard holding the key freezes (it hears nothing and does nothing) and is cut off from the other replicas of its shard, both ways; clients still reach it. The other replicas elect a new leader.
// Example: When the leader of the shard holding "colour" freezes, cut off from the other replicas of its shard
When('the leader of the shard holding {string} freezes, cut off from the other replicas of its shard', function (this: PhantomWorld, key: string) {
  kvStore(this).ensureStore();
  const database = this.cluster.database;
  const shard = shardForKey(database.shardMap, key);
  const leader = shard === undefined ? undefined : database.leaderOf(shard.id);
  if (shard === undefined || leader === undefined) throw new Error(`In step "${this.currentStep}": the shard holding ${key} has no leader to freeze`);
  this.sim.node(leader).pause();
  for (const other of database.replicaNodes(shard.id).filter((node) => node !== leader)) {
    this.sim.network.cutOneWay(leader, other);
    this.sim.network.cutOneWay(other, leader);
  }
  this.remembered.set(`frozen leader of the shard holding ${key}`, leader);
});

// Needs "the leader of the shard holding ... freezes, cut off from the other replicas of its shard" first. The frozen leader carries on, still cut off from the other replicas (what arrived meanwhile is delivered now); it still believes it leads until it learns otherwise.
// Example: When the frozen leader of the shard holding "colour" resumes, still cut off from the other replicas
When('the frozen leader of the shard holding {string} resumes, still cut off from the other replicas', function (this: PhantomWorld, key: string) {
  const leader = this.remembered.get(`frozen leader of the shard holding ${key}`) as string | undefined;
  if (leader === undefined) throw new Error(`In step "${this.currentStep}": no leader of the shard holding ${key} was frozen`);
  this.sim.node(leader).resume();
});
