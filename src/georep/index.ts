/** Multi-region replication with per-keyspace conflict resolution (see README.md). */
export { AntiEntropy, type AntiEntropyEvent, type AntiEntropyHost, type AntiEntropyMessage } from './anti-entropy';
export { GeoClusterBuilder } from './builder';
export * from './causal-context';
export { GeoChaos, type ChaosEvent, type GeoChaosOptions } from './chaos';
export { ClockMonitor, type ClockVerdict, type OffsetMeasurement, type VerdictChange } from './clock-monitor';
export { GeoClientProcess, type ClientCall, type ClientResult } from './client';
export { DEFAULT_GEO_TUNING, type GeoTuning, KeyspaceCatalog, type PeerRegion, resolveGeoTuning } from './config';
export * from './crdt/lww-register';
export * from './crdt/multi-value';
export * from './crdt/or-set';
export * from './crdt/pn-counter';
export {
  type AntiEntropySession,
  type ClockEvent,
  GeoCluster,
  type GeoClusterOptions,
  GeoOperationError,
  GeoSession,
  type OperationHandle,
  type RegionLatency,
  type VisibilityRecord,
} from './geo-cluster';
export { compareHlc, formatHlc, HLC_ZERO, type HlcReceipt, type HlcTimestamp, HybridLogicalClock, maxHlc } from './hlc';
export { OperationHistory, type Outcome, type UpdateRecord } from './history';
export { fullKeyOf, KeyStore, splitFullKey, type StoredKey } from './key-store';
export { formatTable, LagRecorder, type LagSample, type PairLag, type PairSummary } from './lag';
export { renderLagSvg } from './lag-svg';
export { MerkleTree, type TreeNodeHash } from './merkle';
export * from './messages';
export { createRegionReplica, type PeerStatus, RegionReplica, type ReplicaObserver, type ReplicaOptions } from './replica';
export { type ChangeEntry, ChangeLog, InboundStream, OutboundStream, type OutboundTuning } from './replication-stream';
export * from './strategies';
export { Workload, type WorkloadSpec, type WorkloadTarget } from './workload';
