/**
 * The seed's registration decision for a join request: cluster name, then token, then
 * identity. Pure, so every rule is testable without a network.
 */
import type { JoinRequest } from './messages';
import { isLive } from './precedence';
import type { JoinRejectionReason, MemberUpdate } from './types';

export type AdmissionDecision =
  | { readonly admitted: true; readonly incarnation: number }
  | { readonly admitted: false; readonly reason: JoinRejectionReason; readonly text: string };

export interface ClusterCredentials {
  readonly clusterName: string;
  readonly joinToken: string;
}

/**
 * A duplicate is a request for an id that is live in the cluster from another process which
 * is not a restart of it. A restart proves itself by reading its incarnation from its own disk:
 * it arrives with `restarted` and an incarnation above the live record. A newcomer reusing the
 * id of a dead or departed member is admitted above that member's incarnation, so its alive
 * news outranks the old verdict (SWIM §4.2).
 */
export function decideAdmission(
  joinerId: string,
  request: JoinRequest,
  credentials: ClusterCredentials,
  existing: MemberUpdate | undefined,
): AdmissionDecision {
  if (request.clusterName !== credentials.clusterName) {
    return {
      admitted: false,
      reason: 'wrong-cluster',
      text: `node ${joinerId} asked to join cluster "${request.clusterName}" but this is cluster "${credentials.clusterName}"`,
    };
  }
  if (request.joinToken !== credentials.joinToken) {
    return { admitted: false, reason: 'wrong-token', text: `node ${joinerId} presented a join token that cluster "${credentials.clusterName}" does not accept` };
  }
  if (existing === undefined) return { admitted: true, incarnation: request.incarnation };
  if (!isLive(existing.state)) {
    return { admitted: true, incarnation: Math.max(request.incarnation, existing.incarnation + 1) };
  }
  if (existing.instanceId === request.instanceId) {
    // The same process asking again (our accept was lost): admit it as it is.
    return { admitted: true, incarnation: Math.max(request.incarnation, existing.incarnation) };
  }
  if (request.restarted && request.incarnation > existing.incarnation) {
    return { admitted: true, incarnation: request.incarnation };
  }
  return {
    admitted: false,
    reason: 'duplicate-id',
    text:
      `node id ${joinerId} is already ${existing.state} in cluster "${credentials.clusterName}" ` +
      `(incarnation ${existing.incarnation}) and this process is not a restart of it`,
  };
}
