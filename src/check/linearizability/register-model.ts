import type { Model, Outcome, PreparedCall, StepResult } from './model';
import { canonicalValue, describeValue, hashValue, type CanonicalValue } from './values';

/**
 * The `register` model: one value, initially null. `write v` sets it, `cas [a, b]`
 * sets it to b when it equals a, `read` returns it.
 */

type Kind = 'read' | 'write' | 'cas';
type Result = 'ok' | 'fail' | 'unknown';

export interface RegisterInput {
  readonly kind: Kind;
  /** The written value, or the cas's expected value. */
  readonly first: CanonicalValue;
  /** The cas's new value. */
  readonly second: CanonicalValue;
}

export interface RegisterOutput {
  readonly result: Result;
  /** What a read returned. */
  readonly value: CanonicalValue;
}

type RegisterState = CanonicalValue;

const kinds: readonly string[] = ['read', 'write', 'cas'];

export const registerModel: Model<RegisterState, RegisterInput, RegisterOutput> = {
  name: 'register',
  stateNoun: 'register',
  operations: kinds,

  validateArgument(f, value) {
    if (f === 'write' && value === undefined) return 'a write needs a "value" to write';
    if (f === 'cas' && !(Array.isArray(value) && value.length === 2)) {
      return 'a cas needs "value": [expected, new]';
    }
    return undefined;
  },

  validateResult() {
    return undefined;
  },

  prepare(f, argument, outcome, result) {
    return prepareRegisterCall(f, argument, outcome, result);
  },

  init: () => null,

  step(state, input, output): StepResult<RegisterState> {
    switch (input.kind) {
      case 'read':
        return { ok: output.result === 'unknown' || output.value === state, next: state };
      case 'write':
        return { ok: true, next: input.first };
      default:
        return stepCas(state, input, output);
    }
  },

  equal: (left, right) => left === right,
  hash: hashValue,

  describeOperation(input, output) {
    const known = output.result !== 'unknown';
    switch (input.kind) {
      case 'read':
        return `r→${known ? describeValue(output.value) : '?'}`;
      case 'write':
        return `w(${describeValue(input.first)})${known ? '' : '?'}`;
      default: {
        const suffix = output.result === 'fail' ? '✗' : known ? '' : '?';
        return `cas(${describeValue(input.first)}→${describeValue(input.second)})${suffix}`;
      }
    }
  },

  explainRejection(state, input, output) {
    const holds = `register holds ${describeValue(state)}`;
    if (input.kind === 'read') return `read returned ${describeValue(output.value)} but ${holds}`;
    if (output.result === 'fail') {
      return `cas failed, so the register cannot have held ${describeValue(input.first)}, but it does`;
    }
    return `cas expected ${describeValue(input.first)} and succeeded, but ${holds}`;
  },

  describeState: describeValue,
};

function stepCas(state: RegisterState, input: RegisterInput, output: RegisterOutput): StepResult<RegisterState> {
  const matches = state === input.first;
  switch (output.result) {
    case 'ok':
      return { ok: matches, next: input.second };
    case 'fail':
      // The failed compare is an observation: the register held something else.
      return { ok: !matches, next: state };
    default:
      return { ok: true, next: matches ? input.second : state };
  }
}

function prepareRegisterCall(
  f: string,
  argument: unknown,
  outcome: Outcome,
  result: unknown,
): PreparedCall<RegisterInput, RegisterOutput> | null {
  if (!kinds.includes(f)) throw new Error(`register model: unknown operation ${f}`);
  const kind = f as Kind;
  // A failed read or write changed nothing and observed nothing; an unknown read
  // observed nothing either. Leaving them out keeps the search small.
  if (outcome === 'fail' && kind !== 'cas') return null;
  if (outcome === 'unknown' && kind === 'read') return null;
  const pair = kind === 'cas' ? (argument as readonly unknown[]) : [argument, null];
  return {
    input: { kind, first: canonicalValue(pair[0]), second: canonicalValue(pair[1]) },
    output: {
      result: outcome,
      value: kind === 'read' && outcome === 'ok' ? canonicalValue(result) : null,
    },
  };
}
