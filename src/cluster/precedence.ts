/**
 * Which membership news wins: the override rules of SWIM (Das et al. 2002, §4.2), with
 * memberlist's refinements for `dead` (a stale confirmation changes nothing) and for the
 * graceful `left` state.
 */
import type { MemberState } from './types';

export interface RecordedState {
  readonly state: MemberState;
  readonly incarnation: number;
}

/**
 * True when an update `{ state, incarnation }` must replace what we hold.
 *
 * - alive(i)   beats alive(j), suspect(j), dead(j), left(j) when i > j (only a newer
 *              incarnation can bring a member back, so restarts must raise it);
 * - suspect(i) beats suspect(j) when i > j, alive(j) when i >= j;
 * - dead(i)    beats alive(j), suspect(j) when i >= j (SWIM's "confirm");
 * - left(i)    beats alive(j), suspect(j), dead(j) when i >= j (a goodbye says more than a
 *              failure verdict at the same incarnation).
 * Anything about a member we have never heard of is news and is recorded.
 */
export function supersedes(update: RecordedState, current: RecordedState | undefined): boolean {
  if (current === undefined) return true;
  const newer = update.incarnation > current.incarnation;
  const sameOrNewer = update.incarnation >= current.incarnation;
  switch (update.state) {
    case 'alive':
      return newer;
    case 'suspect':
      return current.state === 'alive' ? sameOrNewer : current.state === 'suspect' && newer;
    case 'dead':
      return (current.state === 'alive' || current.state === 'suspect') && sameOrNewer;
    case 'left':
      return current.state !== 'left' && sameOrNewer;
  }
}

/** States that are still probed and counted in n (the cluster size used for scaling). */
export function isLive(state: MemberState): boolean {
  return state === 'alive' || state === 'suspect';
}
