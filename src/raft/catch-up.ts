import { assertInvariant } from './invariants';
import type { CatchUpStatus } from './types';

/**
 * Catching a new server up in rounds before it becomes a voter (thesis §4.2.1).
 *
 * "The algorithm replicates entries to the new server in a fixed number of rounds. Each
 * round replicates all entries present in the leader's log at the start of the round to
 * the new server's log. [...] If the last round lasts less than an election timeout, then
 * the leader adds the new server to the cluster, under the assumption that there are not
 * enough unreplicated entries to create a significant availability gap. Otherwise, the
 * leader aborts the configuration change with an error."
 *
 * Waiting instead for the learner's log to equal the commit index never ends under
 * continuous writes when the learner is a wide-area round trip away: its acknowledgement
 * always describes the log of half a round trip ago. A round, by contrast, ends once the
 * learner holds what the leader held when the round began.
 *
 * The leader keeps one tracker per learner (volatile, rebuilt when a leader takes office).
 * Time is the leader's tick count. A round starts when the leader holds entries the
 * learner lacks and ends when the learner acknowledges the last of those the round began
 * with. A round shorter than an election timeout makes the learner caught up; once
 * `maxRounds` rounds in a row were longer, the catch-up is aborted for good (a slower
 * server will not catch up; the operator removes it, or adds it again later).
 */
export class CatchUpRounds {
  /** Rounds that ended, each longer than an election timeout, since the last fast one. */
  private slowRounds = 0;
  /** The round in progress: the index it must reach and the tick it began; null between rounds. */
  private round: { readonly target: number; readonly startTick: number } | null = null;
  private lastRoundTicks: number | null = null;
  /** Start of the last round that ended within an election timeout: the learner holds
   *  every entry the leader held then. Null until such a round ends. */
  private caughtUpToTick: number | null = null;
  private aborted = false;

  constructor(private readonly maxRounds: number) {
    assertInvariant(Number.isInteger(maxRounds) && maxRounds > 0, () => `catch-up rounds must be a positive whole number, got ${maxRounds}`);
  }

  /**
   * Called on every leader tick and whenever the learner's match index moves. Ends the
   * round in progress if the learner reached its target, and starts the next one if the
   * leader's log holds more than the learner's.
   */
  observe(matchIndex: number, leaderLastIndex: number, nowTick: number, electionTicks: number): void {
    if (this.aborted) return;
    const round = this.round;
    if (round !== null && matchIndex >= round.target) this.endRound(round.startTick, nowTick, electionTicks);
    if (this.aborted || this.round !== null) return;
    if (leaderLastIndex > matchIndex) this.round = { target: leaderLastIndex, startTick: nowTick };
    // A learner holding every entry the leader has is caught up by any measure.
    else this.endRound(nowTick, nowTick, electionTicks);
  }

  private endRound(startTick: number, nowTick: number, electionTicks: number): void {
    this.round = null;
    this.lastRoundTicks = nowTick - startTick;
    if (this.lastRoundTicks < electionTicks) {
      this.caughtUpToTick = startTick;
      this.slowRounds = 0;
      return;
    }
    this.slowRounds++;
    if (this.slowRounds >= this.maxRounds) this.aborted = true;
  }

  /**
   * Whether the learner may become a voter now. The thesis adds the server the moment a
   * round ends within an election timeout, when it lacks at most the entries of that round's
   * duration; a host asks at moments of its own, so the rule here is what that moment
   * guarantees: the learner holds every entry the leader held less than an election
   * timeout ago (the start of its last fast round), and its last round was fast.
   */
  isCaughtUp(nowTick: number, electionTicks: number): boolean {
    if (this.aborted || this.caughtUpToTick === null || this.slowRounds > 0) return false;
    return this.round === null || nowTick - this.caughtUpToTick < electionTicks;
  }

  status(nowTick: number, electionTicks: number): CatchUpStatus {
    const state = this.aborted ? 'aborted' : this.isCaughtUp(nowTick, electionTicks) ? 'caught-up' : 'catching-up';
    return { state, slowRounds: this.slowRounds, maxRounds: this.maxRounds, lastRoundTicks: this.lastRoundTicks };
  }
}
