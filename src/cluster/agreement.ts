/**
 * Whether the live members agree on the membership, and what "the cluster" says about each
 * node when they do not (the observer consensus used by status and timelines).
 */
import type { NodeId } from '../runtime/ports';
import type { MemberState, MembershipView } from './types';

/** A view counts only if its observer is an admitted member that sees itself alive. */
export function isLiveObserver(view: MembershipView): boolean {
  if (view.phase !== 'member') return false;
  const self = view.members.find((member) => member.id === view.observerId);
  return self !== undefined && self.state === 'alive';
}

/**
 * What two observers must share to agree: every member's id and state, in the order given
 * (views list members sorted by id). A member table keeps this text for itself (see
 * `MemberTable.agreementSignature`), so polling for agreement need not build whole views.
 */
export function agreementSignature(members: Iterable<{ readonly id: NodeId; readonly state: MemberState }>): string {
  let text = '';
  for (const member of members) text += `${member.id}=${member.state};`;
  return text;
}

/**
 * True when there is at least one signature and all are equal: the rule both ways of asking
 * share (whole views here, the members' kept signatures in `PhantomCluster.agreement`).
 * Stops at the first difference, so later signatures are not even made.
 */
export function signaturesAgree(signatures: Iterable<string>): boolean {
  let reference: string | undefined;
  for (const signature of signatures) {
    if (reference === undefined) reference = signature;
    else if (signature !== reference) return false;
  }
  return reference !== undefined;
}

/**
 * True when every live observer reports the same set of members in the same states
 * (incarnations and clocks may differ). Views of nodes that are not live members (joining,
 * rejected, leaving, left, or seeing themselves accused) are ignored; with no live
 * observer at all there is nothing that agrees, so the answer is false.
 */
export function clusterAgreement(views: readonly MembershipView[]): boolean {
  return signaturesAgree(liveSignatures(views));
}

function* liveSignatures(views: readonly MembershipView[]): Generator<string> {
  for (const view of views) if (isLiveObserver(view)) yield agreementSignature(view.members);
}

/** Human-readable differences from the first live observer's view (empty when they agree). */
export function findDisagreements(views: readonly MembershipView[], limit = 10): string[] {
  const live = views.filter(isLiveObserver);
  if (live.length === 0) return ['no live observer'];
  const [reference, ...others] = live;
  const expected = new Map(reference.members.map((member) => [member.id, member.state]));
  const differences: string[] = [];
  for (const view of others) {
    const seen = new Map(view.members.map((member) => [member.id, member.state]));
    for (const id of new Set([...expected.keys(), ...seen.keys()])) {
      if (expected.get(id) === seen.get(id)) continue;
      differences.push(
        `${view.observerId} sees ${id} as ${seen.get(id) ?? 'unknown'}, ${reference.observerId} sees it as ${expected.get(id) ?? 'unknown'}`,
      );
      if (differences.length >= limit) return differences;
    }
  }
  return differences;
}

/** When observers split evenly, the more severe state is reported (it is what needs attention). */
const SEVERITY: Readonly<Record<MemberState, number>> = { alive: 0, suspect: 1, dead: 2, left: 3 };

/**
 * The state the live observers most often report for each node (ties go to the more severe
 * state). A node nobody live knows of is absent.
 */
export function consensusStates(views: readonly MembershipView[]): Map<NodeId, MemberState> {
  const tallies = new Map<NodeId, Map<MemberState, number>>();
  for (const view of views) {
    if (!isLiveObserver(view)) continue;
    for (const member of view.members) {
      let tally = tallies.get(member.id);
      if (!tally) tallies.set(member.id, (tally = new Map()));
      tally.set(member.state, (tally.get(member.state) ?? 0) + 1);
    }
  }
  const consensus = new Map<NodeId, MemberState>();
  for (const [id, tally] of tallies) {
    let best: MemberState | undefined;
    let bestCount = 0;
    for (const [state, count] of tally) {
      if (count > bestCount || (count === bestCount && best !== undefined && SEVERITY[state] > SEVERITY[best])) {
        best = state;
        bestCount = count;
      }
    }
    consensus.set(id, best!);
  }
  return consensus;
}
