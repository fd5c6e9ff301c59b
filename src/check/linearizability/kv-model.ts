import { KeyValueStateSpace } from './kv-state-space';
import type { KeyValueInput, KeyValueKind, KeyValueOutput } from './kv-values';
import type { Model, Outcome, PreparedCall, StepResult } from './model';
import { hashString } from './values';

/**
 * The `kv` model, checked one key at a time: the state is that key's string, initially
 * "". `put` replaces it, `append` concatenates, `get` returns it.
 */

export type { KeyValueInput, KeyValueKind, KeyValueOutput } from './kv-values';

const kinds: readonly string[] = ['get', 'put', 'append'];

export const keyValueModel: Model<string, KeyValueInput, KeyValueOutput> = {
  name: 'kv',
  stateNoun: 'key',
  operations: kinds,

  validateArgument(f, value) {
    if (f !== 'get' && typeof value !== 'string') return `a ${f} needs a string "value"`;
    return undefined;
  },

  validateResult(f, value) {
    if (f === 'get' && value !== undefined && value !== null && typeof value !== 'string') {
      return 'a get must return a string';
    }
    return undefined;
  },

  prepare(f, argument, outcome, result) {
    return prepareKeyValueCall(f, argument, outcome, result);
  },

  init: () => '',

  step(state, input, output): StepResult<string> {
    switch (input.kind) {
      case 'get':
        return { ok: !output.known || output.value === state, next: state };
      case 'put':
        return { ok: true, next: input.argument };
      default:
        return { ok: true, next: state + input.argument };
    }
  },

  equal: (left, right) => left === right,
  hash: hashString,

  describeOperation(input, output) {
    if (input.kind === 'get') return `get→${output.known ? shorten(output.value) : '?'}`;
    return `${input.kind}(${shorten(input.argument)})${output.known ? '' : '?'}`;
  },

  explainRejection(state, input, output) {
    if (input.kind !== 'get') return `the kv model rejected ${input.kind}`;
    return `get returned ${JSON.stringify(output.value)} but the key holds ${JSON.stringify(state)}`;
  },

  describeState: (state) => JSON.stringify(state),

  createStateSpace: (inputs, outputs) => new KeyValueStateSpace(inputs, outputs),
};

function shorten(text: string): string {
  const quoted = JSON.stringify(text);
  return quoted.length > 14 ? `${quoted.slice(0, 6)}…${quoted.slice(-6)}` : quoted;
}

function prepareKeyValueCall(
  f: string,
  argument: unknown,
  outcome: Outcome,
  result: unknown,
): PreparedCall<KeyValueInput, KeyValueOutput> | null {
  if (!kinds.includes(f)) throw new Error(`kv model: unknown operation ${f}`);
  const kind = f as KeyValueKind;
  // No kv operation observes anything when it fails, and an unknown get observes
  // nothing, so these calls cannot constrain the history.
  if (outcome === 'fail') return null;
  if (outcome === 'unknown' && kind === 'get') return null;
  return {
    input: { kind, argument: kind === 'get' ? '' : (argument as string) },
    // A get of a key never written returns "" (null is accepted as the same thing).
    output: { known: outcome === 'ok', value: typeof result === 'string' ? result : '' },
  };
}
