import { authLogEntryCheck } from '../auth/wire';
import { CLUSTER_MESSAGE_TYPES, clusterMessageCheck } from '../cluster/wire';
import { kvRequestCheck, shardLogCommandCheck } from '../kv/wire';
import { RAFT_MESSAGE_TYPES, raftCoalescedHeartbeatsCheck, raftCoalescedIdentityProblem, raftEnvelopeCheck, raftIdentityProblem } from '../raft/wire';
import { heartbeatAckCheck, placementCommandCheck, storeHeartbeatCheck, storeHeartbeatIdentityProblem } from '../placement/wire';
import { fragmentRequestCheck } from '../query/wire';
import type { WireRule } from '../runtime/message-boundary';
import type { NodeId } from '../runtime/ports';
import { scannedPrefix } from '../txn/types';
import { txnClientRequestCheck, txnCommandCheck, txnShardRequestCheck, txnShardResponseCheck } from '../txn/wire';

/**
 * What a server node of the cluster accepts, per message type: who may send it and the
 * shape it must have (see src/runtime/message-boundary.ts).
 *
 * - Open to any process: discovery and SWIM (membership admits or ignores the sender
 *   itself), and the client-facing requests (`kv.request`, `txn.client-request`): clients
 *   are not cluster members; with authentication on, each of their requests carries a
 *   user whose credentials and grants the serving replica checks.
 * - Admitted peers only: Raft, transaction commands between coordinators and shard
 *   leaders. A Raft message must also name its real sender and this node.
 */
export function serverWireRules(): ReadonlyMap<string, WireRule> {
  const rules = new Map<string, WireRule>();
  for (const type of CLUSTER_MESSAGE_TYPES) rules.set(type, { check: clusterMessageCheck, open: true });
  // Placement entries travel in the placement group's Raft messages; a table's goal is checked field by field.
  const raftEnvelope = raftEnvelopeCheck(shardLogCommandCheck(txnCommandCheck, authLogEntryCheck, placementCommandCheck));
  for (const type of RAFT_MESSAGE_TYPES) rules.set(type, { check: raftEnvelope, open: false, identity: raftIdentityProblem });
  rules.set('kv.request', { check: kvRequestCheck, open: true });
  rules.set('txn.client-request', { check: txnClientRequestCheck, open: true });
  rules.set('raft.heartbeats', { check: raftCoalescedHeartbeatsCheck(raftEnvelope), open: false, identity: raftCoalescedIdentityProblem });
  // A query (src/query/client.ts) runs from a client as a read-only transaction: it may take
  // shared scan locks and release them, and nothing else; its fragments are read requests.
  rules.set('txn.shard-request', { check: txnShardRequestCheck, open: false, openWhen: isQueryLockCommand });
  rules.set('query.fragment-request', { check: fragmentRequestCheck, open: true });
  // Store heartbeats to the placement group's leader and its answers (src/placement/heartbeat.ts).
  rules.set('placement.heartbeat', { check: storeHeartbeatCheck, open: false, identity: storeHeartbeatIdentityProblem });
  rules.set('placement.heartbeat-ack', { check: heartbeatAckCheck, open: false });
  rules.set('txn.shard-response', { check: txnShardResponseCheck, open: false });
  return rules;
}

/**
 * A scan-lock acquire, or the release of a query transaction: what a query client may ask
 * of a shard, for its own query attempts only. An attempt's transaction id is
 * "<client>.q<n>.a<k>" (src/query/client.ts) and the client's node is "<kind>:<client>",
 * so a client can neither end another client's query attempt (releasing its locks in the
 * middle of its reads) nor take locks in its name.
 */
function isQueryLockCommand(message: Record<string, unknown>, from: NodeId): boolean {
  const command = message.command as { kind?: unknown; key?: unknown; access?: { kind?: unknown }; txnId?: unknown } | undefined;
  if (command === undefined || command === null || typeof command !== 'object') return false;
  if (typeof command.txnId !== 'string' || !ownsQueryAttempt(from, command.txnId)) return false;
  if (command.kind === 'acquire') return typeof command.key === 'string' && scannedPrefix(command.key) !== undefined && command.access?.kind === 'scan';
  return command.kind === 'resolve';
}

function ownsQueryAttempt(from: NodeId, txnId: string): boolean {
  const match = /^(.+)\.q\d+\.a\d+$/.exec(txnId);
  const separator = from.indexOf(':');
  return match !== null && separator >= 0 && from.slice(separator + 1) === match[1];
}
