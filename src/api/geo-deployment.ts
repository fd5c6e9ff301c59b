/**
 * How a georeplicated cluster's regions are deployed, behind the one georeplication API
 * (GeoCluster). The API, the client protocol, the conflict strategies and the oracles are
 * the same for every deployment; what differs is what serves a region:
 *
 * - one node per region (the smallest deployment): the region's replica is one durable
 *   node (replica.ts);
 * - regions of many nodes: each region is a sharded Raft store, and the same shard in
 *   every region streams to its peers (region-node.ts, shard-shipper.ts,
 *   region-shard-state.ts). Built by src/api/geo-regions.ts.
 */
import type { AuthLogEntry, AuthResult, RoleTable } from '../auth/role-table';
import type { NodeId } from '../runtime/ports';
import type { Simulation } from '../sim';
import type { RegionId } from '../georep/causal-context';
import type { OffsetMeasurement } from '../georep/clock-monitor';
import type { GeoTuning, KeyspaceCatalog } from '../georep/config';
import type { StoredKey } from '../georep/key-store';
import type { RegionNodeObserver } from '../georep/region-node';
import type { ReplicaObserver } from '../georep/replica';
import type { KeyState } from '../georep/strategies';

/** A region's data as a reader of the region sees it: every key's state and a digest of them all. */
export interface RegionData {
  readonly size: number;
  get(fullKey: string): StoredKey | undefined;
  stateOf(fullKey: string): KeyState | undefined;
  entries(): Iterable<[string, StoredKey]>;
  /** Equal for two regions exactly when (with overwhelming probability) they hold the same states. */
  rootHex(): string;
}

export interface PeerClockRow {
  readonly peer: RegionId;
  readonly clock: OffsetMeasurement | undefined;
  readonly refused: boolean;
}

/** What serves one region, as the facade sees it. */
export interface RegionServers {
  readonly region: RegionId;
  /** Nodes that run the region's servers: a region failure crashes them all. */
  readonly serverNodes: readonly NodeId[];
  /** Whether the region can serve its clients (its replica, or a majority of its nodes, runs). */
  isUp(): boolean;
  /** The region's data (undefined while it cannot serve); `shard` narrows it to one shard where regions are sharded. */
  data(shard?: string): RegionData | undefined;
  /** Peers some running server of the region refuses because of their clocks. */
  refusedPeers(): RegionId[];
  clockRows(): PeerClockRow[];
  /** keys, changes made, changes retained, applied from peers (for the status table). */
  statusCells(): [string, string, string, string];
  /** The region's role table as its most advanced running server holds it (undefined while none runs). */
  roles?(): RoleTable | undefined;
  /** Last-writer-wins tombstones the region keeps now, and how many its servers collected and refused as stale (undefined while it cannot serve). */
  tombstones?(): TombstoneCounts | undefined;
  /** Delivers a numbered role-table change to the region; `done` once the region applied it durably (retried until then). */
  changeRoles?(entry: AuthLogEntry, done: (result: AuthResult) => void): void;
}

/** What a region keeps of deleted keys (issue 12 §6; src/georep/tombstone-collector.ts). */
export interface TombstoneCounts {
  readonly kept: number;
  /** Collected over the region's history (a region of one node: since its replica last started). */
  readonly collected: number;
  /** Late states of collected keys refused. */
  readonly staleRefused: number;
}

export interface RegionContext {
  readonly sim: Simulation;
  readonly region: RegionId;
  readonly peers: readonly { readonly region: RegionId; readonly nodes: readonly NodeId[] }[];
  readonly catalog: KeyspaceCatalog;
  readonly tuning: GeoTuning;
  /** For a one-node region. */
  readonly replicaObserver: ReplicaObserver;
  /** For a region of many nodes. */
  readonly regionObserver: RegionNodeObserver;
}

/** Every change streamed between regions took effect exactly once (a report, and what is wrong). */
export interface DeliveryReport {
  readonly streams: number;
  readonly changes: number;
  readonly problems: readonly string[];
}

export interface GeoDeployment {
  /** How the regions are deployed, for reports ("one node per region", "3 nodes per region, 2 shards"). */
  readonly description: string;
  /** The server nodes a region will have (named before any region is created, so peers know each other). */
  serverNodes(region: RegionId): NodeId[];
  /** With many nodes: how long a client gives one node before trying the next. */
  readonly clientAttemptTimeoutMs?: number;
  createRegion(context: RegionContext): RegionServers;
  /** Where regions are sharded: each shard's stream delivered every change once, and each region's replicas agree. */
  checkDelivery?(regions: readonly RegionServers[]): DeliveryReport;
  /** Whether every stream has delivered everything (checkDelivery would find nothing). */
  isDelivered?(): boolean;
  /** Whether every region can serve (where regions elect leaders: every shard has its leader); absent: at once. */
  isReady?(): boolean;
  /** Which of the region's servers a client should ask first about a key (the expected leader of its shard). */
  clientTarget?(region: RegionId, fullKey: string): NodeId | undefined;
  /** Virtual ms a region takes to make an update durable before it is acknowledged or applied (0 for one node). */
  commitMs(inRegionLatencyMs: number): number;
}
