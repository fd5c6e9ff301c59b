import type { OperationVocabulary } from './history';
import type { StateSpace } from './state-space';

/**
 * How a call ended, as the checker sees it:
 * - ok: took effect once with the recorded result;
 * - fail: changed nothing (a failed cas still observed that the compare did not match);
 * - unknown: an `info` completion or no completion at all; it may take effect at any
 *   moment after its invocation (or never), and its result is unconstrained.
 */
export type Outcome = 'ok' | 'fail' | 'unknown';

export interface StepResult<State> {
  readonly ok: boolean;
  readonly next: State;
}

/** A call reduced to what the model needs: its input and its (possibly unknown) output. */
export interface PreparedCall<Input, Output> {
  readonly input: Input;
  readonly output: Output;
}

/**
 * A sequential specification. States should be primitives (strings, numbers, null) so
 * that the search cache can compare them with `equal` and hash them cheaply.
 */
export interface Model<State, Input, Output> extends OperationVocabulary {
  /**
   * Reduces a call to input/output, or returns null when the call can be left out of
   * the search entirely because it changed nothing and observed nothing
   * (a failed write, a read whose result is unknown).
   */
  prepare(f: string, argument: unknown, outcome: Outcome, result: unknown): PreparedCall<Input, Output> | null;
  init(): State;
  /** Applies one call; `ok` is false when the recorded output is impossible in `state`. */
  step(state: State, input: Input, output: Output): StepResult<State>;
  equal(left: State, right: State): boolean;
  /** A 32-bit integer; equal states must hash equally. */
  hash(state: State): number;
  /** A short label for timelines and listings, such as `w(3)` or `r→1`. */
  describeOperation(input: Input, output: Output): string;
  /** Why `step` rejects the call in `state`, for example "read returned 3 but register holds 1". */
  explainRejection(state: State, input: Input, output: Output): string;
  describeState(state: State): string;
  /** What the state is called in explanations: "register", "key". */
  readonly stateNoun: string;
  /**
   * Optional: a faster integer-state version of this model for one partition's calls.
   * Without it the search interns the states `step` returns, using `hash` and `equal`.
   */
  createStateSpace?(inputs: readonly Input[], outputs: readonly Output[]): StateSpace;
}

// The checker is written against Model<unknown, unknown, unknown>; concrete models are
// contravariant in their inputs, so they are stored under this erased alias.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = Model<any, any, any>;
