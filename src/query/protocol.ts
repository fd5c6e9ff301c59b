import type { Message, NodeId } from '../runtime/ports';
import type { ShardId } from '../sharding/shard-map';
import type { Fragment } from './fragment';
import type { Value } from './values';

/**
 * Messages between a query's coordinator (a client node) and a shard's leader, in the
 * `query` namespace. Locks are taken and released with the transaction layer's own shard
 * requests (src/txn/protocol.ts); these carry the fragment and its rows.
 */
export const fragmentRequestType = 'query.fragment-request';
export const fragmentResponseType = 'query.fragment-response';

export interface FragmentRequest extends Message {
  readonly type: typeof fragmentRequestType;
  readonly requestId: string;
  /** The query's transaction id: its scan locks must be held at this shard. */
  readonly queryId: string;
  readonly shardId: ShardId;
  /** The shard map epoch the query was planned with; the shard refuses any other. */
  readonly epoch: number;
  readonly fragment: Fragment;
}

export type FragmentReply =
  | { readonly status: 'ok'; readonly rows: Value[][]; readonly rowsRead: number }
  | { readonly status: 'not-leader'; readonly leaderHint: NodeId | null }
  | { readonly status: 'wrong-shard' }
  /** The shard map changed: the query must be planned again on the new map. */
  | { readonly status: 'wrong-epoch'; readonly currentEpoch: number }
  /** The query's locks are not held here (recovery ended them): it must start again. */
  | { readonly status: 'not-locked'; readonly reason: string }
  /** The fragment itself failed (division by zero, a damaged row): the query fails. */
  | { readonly status: 'failed'; readonly reason: string };

export interface FragmentResponse extends Message {
  readonly type: typeof fragmentResponseType;
  readonly requestId: string;
  readonly reply: FragmentReply;
}

export function isFragmentRequest(message: Message): message is FragmentRequest {
  return message.type === fragmentRequestType;
}

export function isFragmentResponse(message: Message): message is FragmentResponse {
  return message.type === fragmentResponseType;
}
