import type { Principal } from '../auth/types';
import type { Message, NodeId } from '../runtime/ports';
import type { ShardId } from '../sharding/shard-map';
import type { TxnApplyResult, TxnCommand, TxnId, TxnPriority, TxnProbe } from './types';

/**
 * Messages of distributed transactions, all in the `txn` namespace (the node runtime
 * routes `txn.*` to the service registered as `txn`).
 *
 * - `txn.client-request` / `txn.client-response`: a client and its coordinator. Every
 *   request of one transaction carries a sequence number; retries repeat it, and the
 *   coordinator answers a repeat from its cache (or "in progress").
 * - `txn.shard-request` / `txn.shard-response`: a coordinator or a recovering participant
 *   and the leader of a shard's Raft group. Every shard command is idempotent, so a retry
 *   at another replica after a time-out is always safe.
 */

export const txnNamespace = 'txn';
export const clientRequestType = 'txn.client-request';
export const clientResponseType = 'txn.client-response';
export const shardRequestType = 'txn.shard-request';
export const shardResponseType = 'txn.shard-response';

/** What a client asks its coordinator. */
export type ClientCall =
  | { readonly kind: 'read'; readonly key: string; readonly forUpdate?: boolean }
  | { readonly kind: 'write'; readonly key: string; readonly value: string | null }
  | { readonly kind: 'append'; readonly key: string; readonly element: string }
  | { readonly kind: 'commit' }
  | { readonly kind: 'rollback' }
  /** The outcome of a commit already asked for (same sequence number as the commit). */
  | { readonly kind: 'status' };

export type ClientReply =
  | { readonly status: 'ok'; readonly value: string | null }
  | { readonly status: 'committed' }
  | { readonly status: 'aborted'; readonly reason: string }
  /** The coordinator is still deciding (answers a repeated commit or a status request). */
  | { readonly status: 'in-progress' };

export interface ClientRequest extends Message {
  readonly type: typeof clientRequestType;
  readonly txnId: TxnId;
  /** 1 for the first request of the transaction, +1 per request; a status request repeats the commit's. */
  readonly sequence: number;
  readonly priority: TxnPriority;
  /** The transaction's first key, whose shard holds its record; null before the first operation. */
  readonly anchorKey: string | null;
  readonly call: ClientCall;
  /** Who runs the transaction, when authentication is on; the coordinator keeps the first request's. */
  readonly principal?: Principal;
  /**
   * The client's acknowledged mark: every transaction it began with a number up to here
   * has an outcome it knows, or it stopped asking (src/txn/txn-id.ts). Shards never
   * garbage-collect past it.
   */
  readonly settled?: number;
}

export interface ClientResponse extends Message {
  readonly type: typeof clientResponseType;
  readonly txnId: TxnId;
  readonly sequence: number;
  readonly reply: ClientReply;
}

export interface ShardRequest extends Message {
  readonly type: typeof shardRequestType;
  /** Unique per sender incarnation. */
  readonly requestId: string;
  readonly shardId: ShardId;
  /** A command for the shard's log, or a probe its leader answers from its applied state. */
  readonly command: TxnCommand | TxnProbe;
  /** For `acquire`: how long an older transaction may wait for a younger one's lock (wait-die). */
  readonly waitMaxMs?: number;
}

export type ShardReply =
  | { readonly status: 'applied'; readonly result: TxnApplyResult }
  /** Wait-die: the requester is younger than a holder of the lock, so it must abort. */
  | { readonly status: 'wait-die'; readonly reason: string }
  /** The requester was older and waited, but not within `waitMaxMs`. */
  | { readonly status: 'lock-timeout'; readonly reason: string }
  | { readonly status: 'not-leader'; readonly leaderHint: NodeId | null }
  | { readonly status: 'wrong-shard' };

export interface ShardResponse extends Message {
  readonly type: typeof shardResponseType;
  readonly requestId: string;
  readonly reply: ShardReply;
}

export function isClientRequest(message: Message): message is ClientRequest {
  return message.type === clientRequestType;
}

export function isClientResponse(message: Message): message is ClientResponse {
  return message.type === clientResponseType;
}

export function isShardRequest(message: Message): message is ShardRequest {
  return message.type === shardRequestType;
}

export function isShardResponse(message: Message): message is ShardResponse {
  return message.type === shardResponseType;
}
