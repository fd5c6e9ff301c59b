import type { NodeId } from '../../runtime/ports';

/**
 * A saga (Garcia-Molina and Salem, 1987): an ordered list of steps, each a local
 * transaction somewhere else with a compensation that semantically undoes it. The
 * orchestrator runs the steps in order; if one fails before the saga's *pivot* (the step
 * after which it must go forward), it runs the compensations of the completed steps in
 * reverse order. Steps after the pivot must be retriable: they are retried, never undone.
 */

export type SagaPhase = 'action' | 'compensation';

/** What a step's action or compensation is given. Complete it exactly once: `succeed`, `fail`, or `send`. */
export interface StepContext {
  readonly sagaId: string;
  readonly step: string;
  readonly phase: SagaPhase;
  /** 1 for the first attempt; counts every attempt, those before a restart included. */
  readonly attempt: number;
  /** The same for every attempt of this step's action (or compensation), across restarts. */
  readonly idempotencyKey: string;
  /** The saga's input, and each completed step's output under the step's name. */
  readonly data: Readonly<Record<string, unknown>>;
  succeed(output?: unknown): void;
  fail(reason: string): void;
  /** Sends a command to a service node; its answer completes the attempt (ok: succeed, otherwise fail). */
  send(service: NodeId, command: string, args?: unknown): void;
}

export type StepHandler = (context: StepContext) => void;

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attemptsMax: number;
  /** The wait before the second attempt; it doubles for every further one. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
}

export interface SagaStep {
  readonly name: string;
  readonly action: StepHandler;
  /** Omitted for steps that need no undoing (or that come after the pivot). */
  readonly compensation?: StepHandler;
  /** Retry a failed or timed-out action; steps after the pivot must have one. */
  readonly retry?: RetryPolicy;
  /** An attempt that has not completed within this long has failed ("timed out"). */
  readonly timeoutMs?: number;
  /** The point of no return: once it has succeeded, the saga only goes forward. */
  readonly pivot?: boolean;
}

export interface SagaDefinition {
  readonly name: string;
  readonly steps: readonly SagaStep[];
  /** How compensations are retried (they must eventually succeed, or the saga needs attention). */
  readonly compensationRetry?: RetryPolicy;
  /**
   * Compensate the step that failed for good as well as the completed ones. For services
   * whose compensation cancels an action whether or not it applied (it fences the action's
   * idempotency key), so that an attempt that timed out but applied later is undone too.
   */
  readonly compensateFailedStep?: boolean;
}

export const defaultStepTimeoutMs = 1_000;
export const noRetry: RetryPolicy = Object.freeze({ attemptsMax: 1, backoffInitialMs: 0, backoffMaxMs: 0 });
export const defaultCompensationRetry: RetryPolicy = Object.freeze({ attemptsMax: 3, backoffInitialMs: 50, backoffMaxMs: 1_000 });

/** The wait before attempt `attempt` (2 or more): exponential, capped, no jitter, so that runs are easy to read. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.backoffMaxMs, policy.backoffInitialMs * 2 ** Math.max(0, attempt - 2));
}

/** Throws when a definition breaks the rules above. */
export function validateDefinition(definition: SagaDefinition): void {
  if (definition.steps.length === 0) throw new Error(`saga ${definition.name} has no steps`);
  const names = new Set(definition.steps.map((step) => step.name));
  if (names.size !== definition.steps.length) throw new Error(`saga ${definition.name} has two steps of the same name`);
  const pivots = definition.steps.filter((step) => step.pivot === true).length;
  if (pivots > 1) throw new Error(`saga ${definition.name} has ${pivots} pivots; it may have one`);
  const pivot = definition.steps.findIndex((step) => step.pivot === true);
  if (pivot >= 0) {
    for (const step of definition.steps.slice(pivot + 1)) {
      if ((step.retry?.attemptsMax ?? 1) < 2) throw new Error(`step ${step.name} comes after the pivot, so it must be retriable`);
    }
  }
}
