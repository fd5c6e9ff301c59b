import type { NodeId } from './types';

/** Majority quorums over one set of voters (single-server changes need no joint quorums). */

export type VoteResult = 'won' | 'lost' | 'pending';

export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The highest index replicated on a majority of voters (§5.3): sort the match indexes
 * descending and take the one at position quorum - 1. With no voters nothing is committed.
 */
export function quorumMatchIndex(voters: readonly NodeId[], matchIndexOf: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  // The leader asks on every acknowledgement: an insertion sort into a reused buffer
  // (groups have a handful of voters) instead of a new array and a sort per call.
  const sorted = matchIndexScratch;
  for (let count = 0; count < voters.length; count++) {
    const matchIndex = matchIndexOf(voters[count]);
    let position = count;
    while (position > 0 && sorted[position - 1] < matchIndex) {
      sorted[position] = sorted[position - 1];
      position--;
    }
    sorted[position] = matchIndex;
  }
  return sorted[quorumSize(voters.length) - 1];
}

/** quorumMatchIndex's buffer: filled and read within one call, never kept. */
const matchIndexScratch: number[] = [];

/** Tally of a (pre-)vote (§5.2): only votes of current voters count. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'lost';
  let granted = 0;
  let rejected = 0;
  for (const voter of voters) {
    const vote = votes.get(voter);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  const needed = quorumSize(voters.length);
  if (granted >= needed) return 'won';
  if (voters.length - rejected < needed) return 'lost';
  return 'pending';
}

/** Whether a majority of voters satisfy `predicate`. */
export function hasQuorum(voters: readonly NodeId[], predicate: (id: NodeId) => boolean): boolean {
  if (voters.length === 0) return false;
  let count = 0;
  for (const voter of voters) if (predicate(voter)) count++;
  return count >= quorumSize(voters.length);
}
