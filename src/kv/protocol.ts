import type { Principal } from '../auth/types';
import type { Message, NodeId } from '../runtime/ports';
import type { ShardId } from '../sharding/shard-map';
import type { KvOperation, KvResult } from './operation';

/**
 * Messages between key-value clients and the servers hosting shard replicas, in the `kv`
 * namespace (the node runtime routes `kv.*` to the service registered as `kv`).
 *
 * A client sends one `kv.request` per attempt; every attempt of one operation carries
 * the same (clientId, sequence), so the state machine applies it at most once, and a new
 * `requestId`, so the client can tell which attempt a rejection answers. A response
 * echoes all three.
 */

export type { KvOperation, KvOperationKind, KvResult } from './operation';

export const kvNamespace = 'kv';
export const kvRequestType = 'kv.request';
export const kvResponseType = 'kv.response';

export interface KvRequest extends Message {
  readonly type: typeof kvRequestType;
  /** Unique per attempt within one client. */
  readonly requestId: number;
  /** The client's session id. */
  readonly clientId: string;
  readonly sequence: number;
  readonly shardId: ShardId;
  /** Epoch of the client's shard map; the server answers `wrong-epoch` when it knows a newer one. */
  readonly epoch: number;
  readonly operation: KvOperation;
  /** The user and the proof of its password, when authentication is on (src/auth/). */
  readonly principal?: Principal;
}

/** What the server says about one attempt. */
export type KvReply =
  /** Applied (or answered from the session). A failed cas compare is still `ok`: the
   *  command ran, and its result says the compare failed. */
  | { readonly status: 'ok'; readonly result: KvResult }
  /** This replica does not lead the shard's group; `leaderHint` is who it thinks does. */
  | { readonly status: 'not-leader'; readonly leaderHint: NodeId | null }
  /** The client's shard map is older than the server's. */
  | { readonly status: 'wrong-epoch'; readonly currentEpoch: number }
  /** This node holds no replica of the shard, or the key is not in the shard's slots. */
  | { readonly status: 'wrong-shard' }
  /** The leader cannot serve now (no quorum, shard moving, overloaded). Retry later. */
  | { readonly status: 'unavailable'; readonly reason: string }
  /** The session has applied a later sequence; this request is an old duplicate. */
  | { readonly status: 'stale-request' }
  /** The state machine no longer has this client's session (evicted); open a new one. */
  | { readonly status: 'session-expired' }
  /** The role table refused the request: nothing changed. `reason` names user, operation and missing permission. */
  | { readonly status: 'forbidden'; readonly reason: string };

export type KvReplyStatus = KvReply['status'];

export type KvResponse = {
  readonly type: typeof kvResponseType;
  readonly requestId: number;
  readonly clientId: string;
  readonly sequence: number;
} & KvReply;

export function isKvRequest(message: Message): message is KvRequest {
  return message.type === kvRequestType;
}

export function isKvResponse(message: Message): message is KvResponse {
  return message.type === kvResponseType;
}

/** The response to `request` carrying `reply` (for servers). */
export function responseTo(request: KvRequest, reply: KvReply): KvResponse {
  return { type: kvResponseType, requestId: request.requestId, clientId: request.clientId, sequence: request.sequence, ...reply };
}
