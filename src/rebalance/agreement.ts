/**
 * The final oracle of every scenario that moves data (the placement group's map agrees
 * with each data group's committed configuration, and no node keeps a copy of a shard that
 * neither names) now lives with the other cross-component oracles in
 * src/check/shard-placement.ts; re-exported here for its callers.
 */
export { mapConfigDisagreements } from '../check/shard-placement';
