/** Oracles that judge a run: each checker lives in its own folder and is re-exported here. */
export * from './linearizability';
export { findLostWrites, type LostWrite } from './acknowledged-writes';
export * from './cycles';
export * from './convergence';
export { keyPlacementProblems, mapConfigDisagreements, type GroupConfigView, type MapShardView, type MapView, type ReplicaContents } from './shard-placement';
export { sagaLeftovers, transactionLeftovers, transactionMemoryLeftovers, type HeldTransactionView, type ParticipantContents, type SagaView, type ShardMemoryView } from './leftovers';
