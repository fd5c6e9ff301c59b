/**
 * The admin operations of the placement service, for operators who sign in: requesting a
 * move, split or merge, starting a rebalance, and changing the cluster's scaling policy.
 * Each needs the admin role once authentication is on (the "admin operations:
 * membership changes, rebalancing and scaling policies, creating users"; etcd reserves
 * cluster operations to its root role, CockroachDB its cluster settings and zone
 * configurations to the admin role). A refused request gets the clear error of every
 * refusal (user, operation, missing permission), changes nothing, is not proposed at all,
 * and is written to the audit log.
 *
 * The judge is the freshest committed role table among the shard leaders
 * (ClusterSecurity.authorizeAdmin), consulted before the request is submitted, as
 * CockroachDB's gateway checks a statement's privileges before running it. A revocation
 * therefore applies to every request made after it is done (applied on every shard). The
 * migration executor and the rebalance planner then act as cluster components (admitted
 * members), like PD's schedulers, not as the user.
 */
import type { Refusal } from '../auth/types';
import type { Principal } from '../auth/types';
import type { CommittedScalingPolicy } from '../placement/scaling-policy';
import type { MigrationExecutor } from '../rebalance/executor';
import { planRebalance } from '../rebalance/planner';
import type { Move, PlanInput } from '../rebalance/types';
import { PolicyError, resolvePolicy, type ScalingPolicySpec } from '../scaling/policy';
import type { ScalingPolicy } from '../scaling/types';
import type { Simulation } from '../sim';
import { plainInput } from '../util/wire-copy';
import type { PlacementGroup } from './placement-group';
import type { RoleAdministration } from './security';

/** How long a policy change waits for the placement group before it is reported lost. */
const POLICY_CHANGE_ATTEMPTS_MAX = 100;
const POLICY_RETRY_MS = 50;

export type AdminRequestOutcome =
  | { readonly ok: true; readonly moveIds: readonly string[] }
  | { readonly ok: false; readonly text: string; readonly refusal?: Refusal };

/** A scaling policy change in flight; poll `done` (it completes in virtual time). */
export class PolicyChange {
  done = false;
  outcome: { ok: true; version: number } | { ok: false; text: string; refusal?: Refusal } | undefined;
}

/** How a move is named in a refusal and in the audit log. */
export function describeMove(move: Move): string {
  switch (move.kind) {
    case 'move-replica':
      return `move the replica of ${move.shard} from ${move.from} to ${move.to}`;
    case 'transfer-leader':
      return `transfer the lead of ${move.shard} from ${move.from} to ${move.to}`;
    case 'move-slots':
      return `move slots ${move.range.start}-${move.range.endExclusive - 1} from ${move.from} to ${move.to}`;
    case 'split':
      return `split ${move.shard} into ${move.newShard}`;
    case 'merge':
      return `merge ${move.from} into ${move.into}`;
  }
}

export class PlacementAdmin {
  constructor(
    private readonly sim: Simulation,
    private readonly security: RoleAdministration,
    private readonly placement: PlacementGroup,
    private readonly executor: () => MigrationExecutor,
  ) {}

  /** Requests moves, splits or merges as `by`; an admin's go to the migration executor. */
  requestMoves(by: Principal | undefined, moves: readonly Move[]): AdminRequestOutcome {
    if (moves.length === 0) throw new RangeError('a placement request needs at least one move');
    const action = `the placement request "${moves.map(describeMove).join('; ')}"`;
    const decision = this.security.authorizeAdmin(by, action);
    if (!decision.allowed) return { ok: false, text: decision.refusal.text, refusal: decision.refusal };
    return { ok: true, moveIds: this.executor().submit(moves) };
  }

  /** Starts a rebalance as `by`: the planner's moves for the current map, submitted to the migration executor. */
  startRebalance(by: Principal | undefined, input: () => PlanInput): AdminRequestOutcome {
    const decision = this.security.authorizeAdmin(by, 'the rebalance');
    if (!decision.allowed) return { ok: false, text: decision.refusal.text, refusal: decision.refusal };
    const plan = planRebalance(input());
    return { ok: true, moveIds: plan.moves.length === 0 ? [] : this.executor().submit(plan.moves) };
  }

  /** The committed scaling policy (undefined until one is committed), from the freshest placement replica. */
  committedPolicy(): CommittedScalingPolicy | undefined {
    return this.placement.freshestMachine()?.scalingPolicy;
  }

  /** What the autoscaler should run with: the committed policy's content. */
  readonly policyInForce = (): ScalingPolicy | undefined => this.committedPolicy()?.policy;

  /**
   * Changes the scaling policy as `by`: judged, validated (a PolicyError names the field),
   * then committed through the placement group's Raft log, compare-and-set on the version.
   */
  changeScalingPolicy(by: Principal | undefined, spec: ScalingPolicySpec): PolicyChange {
    const change = new PolicyChange();
    const finish = (outcome: NonNullable<PolicyChange['outcome']>): void => {
      change.outcome = outcome;
      change.done = true;
    };
    const decision = this.security.authorizeAdmin(by, 'the scaling policy change');
    if (!decision.allowed) {
      finish({ ok: false, text: decision.refusal.text, refusal: decision.refusal });
      return change;
    }
    let policy: ScalingPolicy;
    try {
      // The policy goes into the placement group's log as it is: plain data, copied.
      policy = resolvePolicy(plainInput(spec, 'the scaling policy'));
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      finish({ ok: false, text: error.message });
      return change;
    }
    // Logged with the policy: the user's name only, as text (with authentication off a caller may pass anything).
    const user = by === undefined ? undefined : plainInput(by, 'the admin principal').user;
    this.propose(policy, typeof user === 'string' ? user : '(anonymous)', this.sim.nowMs, POLICY_CHANGE_ATTEMPTS_MAX, finish);
    return change;
  }

  private propose(policy: ScalingPolicy, by: string, atMs: number, attemptsLeft: number, finish: (outcome: NonNullable<PolicyChange['outcome']>) => void): void {
    const committed = this.committedPolicy();
    // An attempt whose answer was lost may have committed: it is recognised by its stamp, and not applied again.
    if (committed !== undefined && committed.atMs === atMs && committed.changedBy === by && JSON.stringify(committed.policy) === JSON.stringify(policy)) return finish({ ok: true, version: committed.version });
    if (attemptsLeft <= 0) return finish({ ok: false, text: 'the placement group did not commit the scaling policy in time (no leader)' });
    const expectedVersion = committed?.version ?? 0;
    this.placement.propose({ kind: 'scaling-policy', expectedVersion, policy, by, atMs }, (outcome) => {
      if (outcome.ok && outcome.result.status === 'ok') return finish({ ok: true, version: expectedVersion + 1 });
      if (outcome.ok && outcome.result.status === 'invalid-policy') return finish({ ok: false, text: outcome.result.reason });
      // No leader, a lost proposal, or a concurrent change won the compare-and-set: try again on the newer version.
      this.sim.scheduler.schedule(POLICY_RETRY_MS, () => this.propose(policy, by, atMs, attemptsLeft - 1, finish));
    });
  }
}
