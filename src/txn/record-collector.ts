import type { ShardStateMachine } from '../replica/shard-state-machine';
import type { NodeEnv, TimerId } from '../runtime/ports';
import type { RaftGroupHost } from '../runtime/raft-host';
import type { ShardId } from '../sharding/shard-map';
import type { ForgetCandidate } from './participant-state';
import type { TxnTuning } from './settings';
import type { ShardCaller } from './shard-caller';
import type { TxnCommand, TxnId } from './types';

/**
 * Garbage collection of transaction records and tombstones, run by the leader of every
 * shard group (issue 12 §6). A record or tombstone of transaction `<client>.<n>` goes when
 * nobody can need it any more:
 *
 * 1. its client acknowledged the outcome: the client's mark (carried by its later
 *    requests, src/txn/txn-id.ts) is at least n, so no client and no coordinator acting
 *    for it will ask about it again with a use for the answer;
 * 2. the shard holds nothing of it (no lock, no intent, not prepared), nor of any earlier
 *    transaction of that client it would forget with it;
 * 3. for a committed record: every participant has applied the commit, which this
 *    collector asks each participant's leader (a probe: "has it ended there for good?").
 *    Then no participant is in doubt, so none will ever ask the anchor for the outcome. An
 *    aborted record needs no such answer: the horizon answers a holder "aborted" as
 *    presumed abort would.
 *
 * The drop itself is a `forget` entry in the shard's Raft log: every replica drops the
 * same things at the same index, snapshots carry the horizon, and a restarted node
 * replays it. This is the shape of CockroachDB's transaction-record clean-up (the record
 * goes once the transaction is finalized and every intent is resolved; a removed record
 * can never be re-created, the timestamp cache refusing it), with the client's
 * acknowledged mark as the low-water mark instead of a timestamp, as in Ongaro's thesis §6.3.
 */

export interface CollectorDeps {
  groupIds(): readonly string[];
  group(shardId: string): RaftGroupHost | undefined;
  machine(shardId: string): ShardStateMachine | undefined;
  readonly caller: ShardCaller;
}

/**
 * Planted-bug switch (README, "Planted bugs"): off in every real run.
 * `skipParticipantProbes`: committed records are forgotten without asking whether every
 * participant applied the commit.
 */
export const collectorFaults = { skipParticipantProbes: false };

export class TxnRecordCollector {
  private timer: TimerId | undefined;
  /** `shard/client` pairs with a forget being confirmed or proposed. */
  private readonly inFlight = new Set<string>();
  collectedRecords = 0;
  collectedTombstones = 0;

  constructor(
    private readonly env: Pick<NodeEnv, 'id' | 'timers' | 'trace'>,
    private readonly deps: CollectorDeps,
    private readonly tuning: TxnTuning,
  ) {}

  /** Scans every `gcScanMs` while some replica here has something its leader could forget. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = this.env.timers.setTimer(this.tuning.gcScanMs, () => {
      this.timer = undefined;
      this.scan();
      if (this.hasWork()) this.start();
    });
  }

  private hasWork(): boolean {
    for (const shardId of this.deps.groupIds()) {
      const state = this.deps.machine(shardId)?.transactions;
      if (state !== undefined && (state.activeCount > 0 || state.mayForget)) return true;
    }
    return false;
  }

  /** One look at every group this node leads. */
  scan(): void {
    for (const shardId of this.deps.groupIds()) {
      if (this.deps.group(shardId)?.raft.currentRole !== 'leader') continue;
      const state = this.deps.machine(shardId)?.transactions;
      for (const candidate of state?.forgetCandidates() ?? []) {
        const slot = `${shardId}/${candidate.client}`;
        if (this.inFlight.has(slot)) continue;
        this.inFlight.add(slot);
        this.confirm(shardId, candidate, (through, confirmed) => this.propose(shardId, candidate.client, through, confirmed, () => this.inFlight.delete(slot)));
      }
    }
  }

  /** Asks every other participant of each committed record; `done` gets how far the forget may go. */
  private confirm(shardId: ShardId, candidate: ForgetCandidate, done: (through: number, confirmed: TxnId[]) => void): void {
    const questions = candidate.committed.flatMap((record) => record.participants.filter((shard) => shard !== shardId).map((shard) => ({ record, shard })));
    if (questions.length === 0 || collectorFaults.skipParticipantProbes) return done(candidate.through, candidate.committed.map((record) => record.txnId));
    const unconfirmed = new Set<TxnId>();
    let missing = questions.length;
    const options = { deadlineMs: this.tuning.resolveDeadlineMs, attemptTimeoutMs: this.tuning.shardAttemptTimeoutMs };
    for (const { record, shard } of questions) {
      this.deps.caller.call(shard, { kind: 'probe', txnId: record.txnId }, options, (outcome) => {
        const ended = outcome.ok && outcome.reply.status === 'applied' && outcome.reply.result.status === 'probe' && outcome.reply.result.ended;
        if (!ended) unconfirmed.add(record.txnId);
        if (--missing > 0) return;
        // Only a prefix of the client's numbers can go: stop below the first record still needed.
        const blocking = candidate.committed.find((entry) => unconfirmed.has(entry.txnId));
        const through = blocking === undefined ? candidate.through : blocking.n - 1;
        done(through, candidate.committed.filter((entry) => entry.n <= through).map((entry) => entry.txnId));
      });
    }
  }

  private propose(shardId: ShardId, client: string, through: number, confirmed: TxnId[], done: () => void): void {
    const group = this.deps.group(shardId);
    const state = this.deps.machine(shardId)?.transactions;
    if (group === undefined || state === undefined || through <= state.horizonOf(client)) return done();
    const command: TxnCommand = { kind: 'forget', client, through, confirmed };
    group.propose({ txn: command }, (outcome) => {
      done();
      const result = outcome.ok ? (outcome.result as { status?: string; through?: number; records?: number; tombstones?: number }) : undefined;
      if (result?.status !== 'collected') return;
      this.collectedRecords += result.records ?? 0;
      this.collectedTombstones += result.tombstones ?? 0;
      this.env.trace('txn.forgotten-through', { shard: shardId, client, through: result.through, records: result.records, tombstones: result.tombstones });
    });
  }
}
