/** Cluster management: discovery/registration and SWIM membership, with status and timelines. */
export { clusterAgreement, consensusStates, findDisagreements, isLiveObserver, signaturesAgree } from './agreement';
export { createMemberProcess, INCARNATION_DISK_KEY, PEERS_DISK_KEY, type MemberProcess, type MemberProcessOptions } from './member-process';
export { Membership, type MembershipConfig } from './membership';
export { isClusterMessage, type ClusterMessage } from './messages';
export { DEFAULT_MEMBERSHIP_TUNING, resolveTuning, retransmitLimit, suspicionMinimumMs, suspicionTimeoutMs, type MembershipTuning } from './options';
export { buildClusterStatus, renderStatusTable, type ClusterStatus, type NodeStatus } from './status';
export { MembershipTimeline, type StateChange, type TimelineSegment } from './timeline';
export { renderTimelineSvg, STATE_COLOURS, type TimelineSvgOptions } from './timeline-svg';
export * from './types';
