import type { Message, NodeId } from '../runtime/ports';
import type { ShardId } from '../sharding/shard-map';
import type { SlotRange } from '../sharding/slots';
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
  /** The shard map epoch the query was planned with (for traces; the fence decides). */
  readonly epoch: number;
  readonly fragment: Fragment;
  /**
   * For each table of the fragment, the hash slots to read here: the query's scan lock on
   * the table covers exactly these, and the shard answers only while its own slot fence
   * serves every one of them.
   */
  readonly tableSlots: readonly (readonly SlotRange[])[];
  /** Whether the query's scan locks are of the kind that waits for writers (src/txn/types.ts, `scanLockKey`). */
  readonly locksWait: boolean;
}

export type FragmentReply =
  | { readonly status: 'ok'; readonly rows: Value[][]; readonly rowsRead: number }
  | { readonly status: 'not-leader'; readonly leaderHint: NodeId | null }
  | { readonly status: 'wrong-shard' }
  /** Some slots asked for are not served here (moved away, or not yet moved in): plan again on a newer map. */
  | { readonly status: 'moved'; readonly slots: readonly number[] }
  /** The shard holds no copy of a reference table yet (slots moved; a copy is being placed): try again. */
  | { readonly status: 'no-copy'; readonly reason: string }
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
