import { validatePolicy } from '../scaling/policy';
import type { ScalingPolicy } from '../scaling/types';

/**
 * The cluster's scaling policy as replicated state of the placement group (Kubernetes keeps
 * the HorizontalPodAutoscaler object in etcd, and the controller reads the stored object at
 * every sync; here the placement group's Raft log plays etcd's part). A change is a
 * compare-and-set on the policy's version, like a map change on the epoch: a retried or
 * stale proposal cannot apply twice or overwrite a newer policy. The policy is validated
 * again at apply, so a proposer's bug cannot commit a policy that makes no sense.
 *
 * Who may change it is judged before the change is proposed (src/api/scaling-policy-admin.ts):
 * only a user with the admin role, once authentication is on.
 */

/** The committed policy, with who changed it and when (stamped by the proposer). */
export interface CommittedScalingPolicy {
  readonly version: number;
  readonly policy: ScalingPolicy;
  readonly changedBy: string;
  readonly atMs: number;
}

export interface ScalingPolicyCommand {
  readonly kind: 'scaling-policy';
  readonly expectedVersion: number;
  readonly policy: ScalingPolicy;
  /** The user who asked, for the record (already judged an admin). */
  readonly by: string;
  readonly atMs: number;
}

export type ScalingPolicyApplyResult =
  | { readonly status: 'ok'; readonly version: number }
  | { readonly status: 'stale-policy'; readonly currentVersion: number }
  | { readonly status: 'invalid-policy'; readonly reason: string };

export class ScalingPolicyRegister {
  private committed: CommittedScalingPolicy | undefined;

  get current(): CommittedScalingPolicy | undefined {
    return this.committed;
  }

  get version(): number {
    return this.committed?.version ?? 0;
  }

  apply(command: ScalingPolicyCommand): ScalingPolicyApplyResult {
    if (command.expectedVersion !== this.version) return { status: 'stale-policy', currentVersion: this.version };
    try {
      validatePolicy(command.policy);
    } catch (error) {
      return { status: 'invalid-policy', reason: (error as Error).message };
    }
    this.committed = Object.freeze({ version: this.version + 1, policy: command.policy, changedBy: command.by, atMs: command.atMs });
    return { status: 'ok', version: this.committed.version };
  }

  restore(committed: CommittedScalingPolicy | undefined): void {
    this.committed = committed;
  }
}
