import type { NodeId } from '../../runtime/ports';
import type { SagaDefinition, StepContext } from './definition';
import type { PlannedStep } from './outcome-oracle';

/**
 * The trip-booking saga over the store's services: reserve a seat, a room and a car,
 * then charge the card; every step can be undone. No pivot: a failure at any step undoes
 * every step before it and cancels the failed one (compensateFailedStep), which fences
 * an attempt whose answer was lost.
 */

export const tripSteps: readonly PlannedStep[] = [
  { step: 'reserve seat', service: 'flights', units: 1 },
  { step: 'reserve room', service: 'hotels', units: 1 },
  { step: 'rent car', service: 'cars', units: 1 },
  { step: 'charge card', service: 'payments', units: 100 },
];

export interface TripTiming {
  /** An attempt not answered within this long has failed. */
  readonly timeoutMs: number;
  /** Attempts of each action, the first included. */
  readonly attempts: number;
  /** Attempts of each compensation: they must succeed, so there are many. */
  readonly compensationAttempts: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
}

export const tripTimingDefaults: TripTiming = { timeoutMs: 1_000, attempts: 4, compensationAttempts: 30, backoffInitialMs: 100, backoffMaxMs: 1_000 };

export function tripDefinition(name: string, serviceNode: (service: string) => NodeId, timing: TripTiming = tripTimingDefaults): SagaDefinition {
  const send = (planned: PlannedStep, command: string) => (context: StepContext) => context.send(serviceNode(planned.service), command, { sagaId: context.sagaId, units: planned.units });
  const backoff = { backoffInitialMs: timing.backoffInitialMs, backoffMaxMs: timing.backoffMaxMs };
  return {
    name,
    compensateFailedStep: true,
    compensationRetry: { attemptsMax: timing.compensationAttempts, ...backoff },
    steps: tripSteps.map((planned) => ({
      name: planned.step,
      action: send(planned, 'reserve'),
      compensation: send(planned, 'cancel'),
      timeoutMs: timing.timeoutMs,
      retry: { attemptsMax: timing.attempts, ...backoff },
    })),
  };
}
