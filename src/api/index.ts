export { type DatabaseOptions, ShardedDatabase } from './database';
export { type AddNodeOptions, type ClusterCredentials, type DeathRecord, PhantomCluster } from './phantom-cluster';
