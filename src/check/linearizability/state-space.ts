/**
 * The search's view of a model: states are small integers, so the WGL cache can store
 * and compare them without touching the model's own values (for the kv model those are
 * long strings that are costly to hash and compare).
 */
export interface StateSpace {
  readonly initialState: number;
  /** The state after operation `operationId` runs in `stateId`, or `rejected`. */
  transition(stateId: number, operationId: number): number;
  /** The model's value for a state id, for explanations. */
  valueOf(stateId: number): unknown;
  /** How many distinct states have been given ids. */
  readonly stateCount: number;
}

/** What `StateSpace.transition` returns when the model says the call is impossible. */
export const rejected = -1;
