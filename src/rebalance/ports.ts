import type { SlotCommand, SlotExport } from '../kv/slot-module';
import type { JournalRecord } from '../placement/state-machine';
import type { ClusterConfig, ConfigChange, ProgressStatus } from '../raft';
import type { NodeId } from '../runtime/ports';
import type { Shard, ShardId, ShardMap, SlotRange } from '../sharding/shard-map';

/**
 * What the migration executor needs of the cluster. The executor decides; these ports act
 * (on the placement group, on data groups' leaders, on nodes' disks) and report back.
 * src/api/migration-ports.ts implements them over the simulated cluster.
 */

/** A data group as its current leader sees it. */
export interface GroupView {
  readonly leader: NodeId;
  readonly config: ClusterConfig;
  /** The latest configuration change is committed (a new one may be proposed). */
  readonly configCommitted: boolean;
  readonly commitIndex: number;
  readonly progress: Readonly<Record<NodeId, ProgressStatus>>;
}

/** Keys of a slot range as the source's leader holds them, with the sessions and transaction records that travel along. */
export interface SlotData extends SlotExport {
  /** Size of the entries (what the copy sends). */
  readonly bytes: number;
}

/** Answers of the slot commands a data group applies (see src/kv/slot-fence.ts). */
export type SlotCommandResult = { readonly status: 'ok' } | { readonly status: 'busy'; readonly reason: string };

export interface MigrationPorts {
  nowMs(): number;
  schedule(delayMs: number, callback: () => void): void;
  /** The latest committed map. */
  map(): ShardMap;
  journal(): readonly JournalRecord[];
  /**
   * True when `journal()` is known to hold every committed step. The executor acts only
   * then: its journal writes are compare-and-set on the step, but what it does to groups
   * directly (replica GC, deleting a finished move's replica) is not.
   */
  journalIsCurrent(): boolean;
  /**
   * Commits a journal step (compare-and-set on the step the executor read), with the map
   * edit of that step when `edit` is given (compare-and-set on the epoch). `done(true)`
   * once committed, `done(false)` when lost or refused (the executor re-reads and retries).
   */
  writeJournal(record: JournalRecord, expectedStep: string | null, edit: ((map: ShardMap) => readonly Shard[] | undefined) | undefined, reason: string, done: (ok: boolean) => void): void;
  endJournal(moveId: string, outcome: 'done' | 'rolled-back', done: (ok: boolean) => void): void;
  /** The group's current leader's view, if it has a running leader. */
  group(shard: ShardId): GroupView | undefined;
  proposeConfigChange(shard: ShardId, change: ConfigChange): void;
  transferLeadership(shard: ShardId, to: NodeId): void;
  /** Opens an empty replica on `node` that learns its configuration from the leader. */
  openEmptyReplica(node: NodeId, shard: ShardId): void;
  /** Deletes the node's replica of the group and its data; false if the node is down or has none. */
  deleteReplica(node: NodeId, shard: ShardId): boolean;
  /** Nodes whose disks list a replica of the group (running or not). */
  hostsOf(shard: ShardId): NodeId[];
  isUp(node: NodeId): boolean;
  /** Size of the group's state-machine image on its leader (what a snapshot carries). */
  replicaBytes(shard: ShardId): number;
  /** Starts a brand-new group with no slots on the given voters (the target of a split). */
  createGroup(shard: ShardId, voters: readonly NodeId[]): void;
  /** Proposes a slot command to the group's leader; `done(undefined)` when lost. */
  proposeSlots(shard: ShardId, command: SlotCommand, done: (result: SlotCommandResult | undefined) => void): void;
  /** Reads a slot range on the group's leader through its read barrier. */
  readSlots(shard: ShardId, range: SlotRange, done: (data: SlotData | undefined) => void): void;
}
