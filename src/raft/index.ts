export * from './types';
export { RaftNode } from './raft-node';
export { RaftInvariantError } from './invariants';
export { RaftSafetyChecker, RaftSafetyViolation } from './safety-checker';
export type { SafetyProperty } from './safety-checker';
export { applyConfigChange } from './config-change';
export { quorumSize } from './quorum';
export { timingForRoundTrip } from './timing';
export type { RaftTiming, TimingRule } from './timing';
