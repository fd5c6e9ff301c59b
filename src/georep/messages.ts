/**
 * Messages of the georeplication service (namespace `geo`). Replicas of different regions
 * talk with the `geo.*` stream, clock and anti-entropy messages; clients talk to the
 * replica of their own region with `geo.request` / `geo.response`.
 */
import type { Principal } from '../auth/types';
import type { CausalContext, RegionId } from './causal-context';
import type { HlcTimestamp } from './hlc';
import type { TreeNodeHash } from './merkle';
import type { ChangeEntry } from './replication-stream';
import type { GeoOperation, GeoValue, KeyState } from './strategies';

export const GEO_NAMESPACE = 'geo';

export interface PingMessage {
  readonly type: 'geo.ping';
  readonly region: RegionId;
  readonly sentMs: number;
}

export interface PongMessage {
  readonly type: 'geo.pong';
  readonly region: RegionId;
  readonly sentMs: number;
  /** The responder's local clock when it answered. */
  readonly clockMs: number;
}

export interface ChangesMessage {
  readonly type: 'geo.changes';
  readonly origin: RegionId;
  /** The origin's HLC when it sent the batch. */
  readonly timestamp: HlcTimestamp;
  /** Present while the origin has given up the backlog: skip to here and repair. */
  readonly resetFrom?: number;
  readonly entries: readonly ChangeEntry[];
  /** In a region of many nodes: the shard whose stream this is (streams are per shard). */
  readonly shard?: string;
}

/**
 * A region's frontier report (src/georep/stable-frontier.ts), sent to every other region
 * each heartbeat: how far it applied each origin's stream, and its HLC at that moment.
 */
export interface FrontierMessage {
  readonly type: 'geo.frontier';
  readonly region: RegionId;
  readonly applied: Readonly<Record<RegionId, number>>;
  readonly hlc: HlcTimestamp;
  readonly repairing: boolean;
  /** In a region of many nodes: the shard reporting (its stream positions and highest stamp); each shard has its own frontier. */
  readonly shard?: string;
}

export interface AckMessage {
  readonly type: 'geo.ack';
  /** The region acknowledging. */
  readonly region: RegionId;
  /** Every change of the receiver's stream up to here is applied and durable at `region`. */
  readonly appliedSeq: number;
  /** In a region of many nodes: the shard whose stream is acknowledged. */
  readonly shard?: string;
}

/** Anti-entropy: one level of the sender's tree, for the nodes that differed at the level above. */
export interface TreeLevelMessage {
  readonly type: 'geo.ae.tree';
  readonly session: string;
  readonly region: RegionId;
  readonly level: number;
  readonly nodes: readonly TreeNodeHash[];
  /** On the first message: a repair (may run beside other sessions) or a periodic check (only between idle regions). */
  readonly purpose?: 'repair' | 'periodic';
  /** In a region of many nodes: the shard compared (each shard has its own tree). */
  readonly shard?: string;
}

/** Anti-entropy: the sender's (key, digest) pairs in the leaf ranges that differ. */
export interface LeafDigestsMessage {
  readonly type: 'geo.ae.digests';
  readonly session: string;
  readonly region: RegionId;
  readonly leaves: readonly number[];
  readonly entries: readonly (readonly [key: string, digest: string])[];
  /** In a region of many nodes: the shard compared (each shard has its own tree). */
  readonly shard?: string;
}

/**
 * Anti-entropy: key states the receiver lacks or holds differently, and the keys the sender
 * lacks. The receiver merges them and answers (`reply`) with the keys asked for plus those
 * whose merged state still differs from what it was sent (it knew something the sender did not).
 */
export interface KeyStatesMessage {
  readonly type: 'geo.ae.states';
  readonly session: string;
  readonly region: RegionId;
  /** The sender's HLC: the receiver's clock must pass every timestamp inside the states. */
  readonly timestamp: HlcTimestamp;
  readonly states: readonly (readonly [key: string, state: KeyState])[];
  readonly want: readonly string[];
  /** The last message of the session. */
  readonly reply: boolean;
  /** In a region of many nodes: the shard compared (each shard has its own tree). */
  readonly shard?: string;
}

export interface SessionDoneMessage {
  readonly type: 'geo.ae.done';
  readonly session: string;
  readonly region: RegionId;
  /** The responder was busy with another session and compared nothing: try again later. */
  readonly busy?: boolean;
  /** In a region of many nodes: the shard compared (each shard has its own tree). */
  readonly shard?: string;
}

/**
 * In a region of many nodes: the node that got a message for a shard it does not lead
 * tells the sender which node it believes leads it (null when it knows none).
 */
export interface NotLeaderMessage {
  readonly type: 'geo.not-leader';
  readonly region: RegionId;
  readonly shard: string;
  readonly leaderHint: string | null;
}

export interface ClientSession {
  /** The highest timestamp the client has seen: the update is stamped after it (causality). */
  readonly after?: HlcTimestamp;
  /** Multi-value: the context the client read, i.e. the versions its write replaces. */
  readonly context?: CausalContext;
  /** Multi-value without a context: replace what this region holds now (read-modify-write at the replica). */
  readonly replaceLocal?: boolean;
}

export interface ClientRequest {
  readonly type: 'geo.request';
  readonly id: number;
  readonly keyspace: string;
  readonly key: string;
  /** Absent for a read. */
  readonly operation?: GeoOperation;
  readonly session: ClientSession;
  /** The user the request acts for, judged by the serving region against its role table (absent: anonymous). */
  readonly principal?: Principal;
}

export type ClientResponse =
  | {
      readonly type: 'geo.response';
      readonly id: number;
      readonly ok: true;
      readonly region: RegionId;
      /** The value after the operation (reads and updates alike). */
      readonly value: GeoValue;
      /** The HLC timestamp of the update, or the replica's clock for a read. */
      readonly timestamp: HlcTimestamp;
      /** Multi-value updates: the context a follow-up write should carry (what this write saw plus its own dot). */
      readonly context?: CausalContext;
    }
  | {
      readonly type: 'geo.response';
      readonly id: number;
      readonly ok: false;
      readonly region: RegionId;
      readonly error: string;
      /** Present when the node does not lead the key's shard: try the hinted node (or another when null). */
      readonly redirect?: string | null;
    };

export type ReplicaMessage =
  | FrontierMessage
  | PingMessage
  | PongMessage
  | ChangesMessage
  | AckMessage
  | TreeLevelMessage
  | LeafDigestsMessage
  | KeyStatesMessage
  | SessionDoneMessage
  | NotLeaderMessage
  | ClientRequest;
