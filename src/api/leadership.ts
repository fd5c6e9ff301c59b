import type { RaftStatus } from '../raft';
import type { NodeId } from '../runtime/ports';

/**
 * True when a majority of the leader's voters run in its term and follow it: the leader a
 * control process (a placement service, PD) may act through. A leader cut off from its group
 * keeps its role until its check-quorum notices, and meanwhile answers with what it knew.
 * `statusOf` gives a running replica's status (undefined: none, or not running).
 */
export function followedByMajority(leader: NodeId, leaderStatus: RaftStatus, statusOf: (node: NodeId) => RaftStatus | undefined): boolean {
  const voters = leaderStatus.config.voters;
  const followers = voters.filter((node) => {
    const status = statusOf(node);
    return status !== undefined && status.term === leaderStatus.term && status.leader === leader;
  });
  return followers.length * 2 > voters.length;
}
