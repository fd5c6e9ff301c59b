/** Oracles that judge a run: each checker lives in its own folder and is re-exported here. */
export * from './linearizability';
export { findLostWrites, type LostWrite } from './acknowledged-writes';
export * from './cycles';
export * from './convergence';
