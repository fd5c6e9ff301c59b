import type { SagaState } from './log';
import { idempotencyRecordKey, parseRecord } from './store-service';
import { bookingKey, parseBooking, stockKey } from './trip-services';

/**
 * The oracle over the services' state after sagas settle: nothing half-done, nothing
 * applied twice, nothing left running. It reads what the services stored (bookings,
 * stocks, idempotency records), not what the orchestrator believes, and judges each saga
 * against the state its log ended in:
 *
 * - completed: every step's booking is reserved (applied and not compensated);
 * - compensated: no booking of the saga is still reserved (each applied step was undone);
 * - running or needs attention: a violation (sagas must settle; these scenarios give
 *   compensations enough retries that none needs a person);
 * - per step: a booking exists exactly when the action's idempotency record says it
 *   applied, and is cancelled exactly when the compensation's record says it undid it
 *   (the state change and its record committed together);
 * - per service: stock now = initial stock minus the units of reserved bookings (an
 *   action or compensation applied twice, or applied without its booking, breaks it).
 */

export interface PlannedStep {
  readonly step: string;
  readonly service: string;
  readonly units: number;
}

export interface SettledSaga {
  readonly sagaId: string;
  /** The state its replicated log ended in; undefined when no log was found. */
  readonly state: SagaState | undefined;
  readonly summary: string;
  readonly steps: readonly PlannedStep[];
}

export interface OracleInput {
  readonly sagas: readonly SettledSaga[];
  readonly initialStock: ReadonlyMap<string, number>;
  /** The committed value of a key (null: absent). */
  readonly read: (key: string) => string | null;
}

export interface OracleReport {
  readonly violations: readonly string[];
  readonly completed: number;
  readonly compensated: number;
  /** Steps that applied and were then undone, and actions fenced by their compensation before they applied. */
  readonly undone: number;
  readonly voided: number;
}

const idempotencyKey = (sagaId: string, step: string, phase: 'action' | 'compensation') => `${sagaId}/${step}/${phase}`;

export function checkSagaOutcomes(input: OracleInput): OracleReport {
  const violations: string[] = [];
  const counts = { completed: 0, compensated: 0, undone: 0, voided: 0 };
  const reservedUnits = new Map<string, number>([...input.initialStock.keys()].map((service) => [service, 0]));
  for (const saga of input.sagas) {
    if (saga.state === 'completed') counts.completed++;
    if (saga.state === 'compensated') counts.compensated++;
    if (saga.state === undefined) violations.push(`saga ${saga.sagaId} has no log in the store`);
    else if (saga.state === 'running') violations.push(`saga ${saga.sagaId} is still running: ${saga.summary}`);
    else if (saga.state === 'needs-attention') violations.push(`saga ${saga.sagaId} needs attention: ${saga.summary}`);
    for (const step of saga.steps) {
      const where = `saga ${saga.sagaId}, step "${step.step}" (${step.service})`;
      const booking = parseBooking(input.read(bookingKey(step.service, saga.sagaId)));
      const action = parseRecord(input.read(idempotencyRecordKey(step.service, idempotencyKey(saga.sagaId, step.step, 'action'))));
      const undo = parseRecord(input.read(idempotencyRecordKey(step.service, idempotencyKey(saga.sagaId, step.step, 'compensation'))));
      if (booking?.state === 'reserved') reservedUnits.set(step.service, (reservedUnits.get(step.service) ?? 0) + booking.units);
      if (booking?.state === 'cancelled') counts.undone++;
      if (action?.status === 'voided') counts.voided++;
      if (saga.state === 'completed' && booking?.state !== 'reserved') violations.push(`${where}: the saga completed but the booking is ${booking?.state ?? 'absent'}`);
      if (saga.state === 'compensated' && booking?.state === 'reserved') violations.push(`${where}: the saga was compensated but the booking is still reserved (half-done)`);
      if ((booking !== undefined) !== (action?.status === 'applied')) violations.push(`${where}: booking ${booking?.state ?? 'absent'} but the action's idempotency record is ${action?.status ?? 'absent'} (state change and record not committed together)`);
      if ((booking?.state === 'cancelled') !== (undo !== undefined && action?.status === 'applied')) violations.push(`${where}: booking ${booking?.state ?? 'absent'} but the compensation's record is ${undo?.status ?? 'absent'} and the action's ${action?.status ?? 'absent'}`);
      if (booking !== undefined && booking.units !== step.units) violations.push(`${where}: booked ${booking.units} units, not ${step.units}`);
    }
  }
  for (const [service, initial] of input.initialStock) {
    const stock = Number(input.read(stockKey(service)) ?? 'NaN');
    const expected = initial - (reservedUnits.get(service) ?? 0);
    if (stock !== expected) violations.push(`${service}: stock is ${stock}, but ${initial} initially minus ${reservedUnits.get(service) ?? 0} units of reserved bookings is ${expected} (a reservation or cancellation applied twice, or without its booking)`);
  }
  return { violations, ...counts };
}
