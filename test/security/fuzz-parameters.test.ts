import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { supportCodeLibraryBuilder } from '@cucumber/cucumber';
import { fuzzRuns, fuzzSeed, PROTOTYPE_NAMES } from './fuzz-runs';

/**
 * Every step parameter type gets random strings (issue 15, "Fuzzed inputs"). Property: the
 * transformer returns a plain value (strings, finite numbers, lists of them), or throws a
 * StepParameterError whose one-line message names the step and the accepted form; never
 * another exception. The parameter types are loaded into a fresh cucumber support-code
 * library, exactly as a run registers them.
 */

const RUNS = fuzzRuns(300);

// eslint-disable-next-line @typescript-eslint/no-require-imports
function loadParameterTypes() {
  supportCodeLibraryBuilder.reset(process.cwd(), (() => {
    let id = 0;
    return () => `fuzz-${id++}`;
  })());
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const parameters = require('../../support/parameters') as typeof import('../../support/parameters');
  const library = supportCodeLibraryBuilder.finalize(undefined);
  return { descriptions: parameters.PARAMETER_DESCRIPTIONS, registry: library.parameterTypeRegistry };
}

function isPlainValue(value: unknown): boolean {
  if (typeof value === 'string') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainValue);
  return false;
}

/** Strings near the accepted forms: examples with characters changed, prototype names, numbers and units. */
function candidates(examples: readonly string[]): fc.Arbitrary<string> {
  const example = fc.constantFrom(...examples);
  const edited = fc.tuple(example, fc.nat(), fc.string({ maxLength: 3 })).map(([text, at, insert]) => text.slice(0, at % (text.length + 1)) + insert + text.slice((at % (text.length + 1)) + 1));
  const prototypeName = fc.constantFrom(...PROTOTYPE_NAMES);
  const withNumber = fc.tuple(fc.oneof(fc.double().map(String), fc.nat().map(String), fc.constant('1e400')), fc.oneof(prototypeName, fc.constantFrom('ms', 's', 'seconds', '%', ' %', ''))).map(([number, suffix]) => `${number} ${suffix}`);
  return fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), edited, prototypeName, withNumber, fc.string({ unit: fc.constantFrom('a', 'n', 'o', 'd', 'e', '-', '1', ' ', ',', '%') }));
}

describe('Step parameter types under random strings (fast-check, ' + RUNS + ' cases per type)', () => {
  const { descriptions, registry } = loadParameterTypes();
  const world = { currentStep: 'a fuzzed step' };

  for (const description of descriptions) {
    it(`{${description.name}} parses or fails with its accepted form`, () => {
      const parameterType = registry.lookupByTypeName(description.name);
      assert.ok(parameterType, `parameter type ${description.name} is registered`);
      fc.assert(
        fc.property(candidates(description.examples), (text) => {
          let value: unknown;
          try {
            value = parameterType!.transform(world, [text]);
          } catch (error) {
            assert.ok(error instanceof Error && error.name === 'StepParameterError', `{${description.name}} ${JSON.stringify(text)} threw ${String(error)}`);
            assert.ok(!error.message.includes('\n'), 'the message is one line');
            assert.ok(error.message.includes(`Accepted form: ${description.acceptedForm}`), `the message names the accepted form: ${error.message}`);
            assert.ok(error.message.includes('In step "a fuzzed step"'), 'the message names the step');
            return;
          }
          assert.ok(isPlainValue(value), `{${description.name}} accepted ${JSON.stringify(text)} as ${String(value)}`);
        }),
        { numRuns: RUNS, seed: fuzzSeed(15) },
      );
    });
  }

  it('the examples of every parameter type parse', () => {
    for (const description of descriptions) {
      for (const example of description.examples) assert.ok(isPlainValue(registry.lookupByTypeName(description.name)!.transform(world, [example])), `${description.name}: ${example}`);
    }
  });
});
