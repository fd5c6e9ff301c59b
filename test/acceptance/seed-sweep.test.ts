import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStepLines } from '../../support/seed-sweep-lines';
import { runCucumber, textAttachments } from './cucumber-run';

/**
 * Seed sweeps (issue 12, §2): a block of generated seeds runs in one scenario; a failing
 * seed is named with its replay command, and PHANTOM_SEED replays only that seed.
 */

function sweep(first: number, last: number, operationsAtLeast: number, env: Record<string, string> = {}) {
  const feature = [
    'Feature: sweep probe',
    '  Scenario: a small sweep',
    `    Then every seed from ${first} to ${last} passes these steps:`,
    '      """',
    '      Given a running cluster of 3 nodes storing data in 1 shard with 3 replicas each',
    '      And 2 clients reading, writing and comparing-and-setting 2 keys',
    '      When a random fault schedule runs for 5 seconds with pauses and message loss',
    '      Then every client history is linearizable',
    `      And the clients completed at least ${operationsAtLeast} operations`,
    '      """',
    '',
  ].join('\n');
  return runCucumber(['scratch:sweep.feature'], env, { 'sweep.feature': feature });
}

describe('Seed sweeps', () => {
  it('runs every seed of the range and reports the count', async () => {
    const run = await sweep(1, 3, 1);
    assert.equal(run.status, 0, run.output);
    assert.match(textAttachments(run.features).join('\n'), /3 seeds \(1\.\.3\), 3 passed, 0 failed/);
  });

  it('names each failing seed with its replay command', async () => {
    const run = await sweep(7, 8, 1_000_000);
    assert.notEqual(run.status, 0);
    assert.match(run.output, /2 of 2 seeds failed/);
    assert.match(run.output, /- seed 7: [^\n]*\n\s+replay: PHANTOM_SEED=7 npx cucumber-js [^\n]*sweep\.feature:2/);
    assert.match(run.output, /- seed 8: /);
  });

  it('with PHANTOM_SEED runs only that seed', async () => {
    const run = await sweep(7, 8, 1, { PHANTOM_SEED: '8' });
    assert.equal(run.status, 0, run.output);
    const texts = textAttachments(run.features).join('\n');
    assert.match(texts, /PHANTOM_SEED=8: replaying that seed alone/);
    assert.match(texts, /trace digest: [0-9a-f]{16}/);
  });

  it('parses one step per line with table rows under their step', async () => {
    const steps = parseStepLines('Given a\n  | x | y |\n  | 1 | 2 |\nAnd b\n');
    assert.deepEqual(steps, [{ text: 'a', table: [['x', 'y'], ['1', '2']] }, { text: 'b', table: undefined }]);
    assert.throws(() => parseStepLines('Hello there'), /starts with Given, When, Then, And or But/);
  });
});
