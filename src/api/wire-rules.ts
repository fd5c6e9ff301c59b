import { authLogEntryCheck } from '../auth/wire';
import { CLUSTER_MESSAGE_TYPES, clusterMessageCheck } from '../cluster/wire';
import { kvRequestCheck, shardLogCommandCheck } from '../kv/wire';
import { RAFT_MESSAGE_TYPES, raftEnvelopeCheck, raftIdentityProblem } from '../raft/wire';
import type { WireRule } from '../runtime/message-boundary';
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
  const raftEnvelope = raftEnvelopeCheck(shardLogCommandCheck(txnCommandCheck, authLogEntryCheck));
  for (const type of RAFT_MESSAGE_TYPES) rules.set(type, { check: raftEnvelope, open: false, identity: raftIdentityProblem });
  rules.set('kv.request', { check: kvRequestCheck, open: true });
  rules.set('txn.client-request', { check: txnClientRequestCheck, open: true });
  rules.set('txn.shard-request', { check: txnShardRequestCheck, open: false });
  rules.set('txn.shard-response', { check: txnShardResponseCheck, open: false });
  return rules;
}
