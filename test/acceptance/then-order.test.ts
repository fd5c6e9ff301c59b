import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { REPOSITORY_ROOT } from '../repository';
import { runCucumber } from './cucumber-run';

const { reverseThenSteps } = require(path.join(REPOSITORY_ROOT, 'scripts', 'reverse-then-steps.js')) as { reverseThenSteps: (text: string) => string };

/**
 * The suite's rule for Then-steps: one that reads the system waits for what it needs within a
 * stated bound, and never depends on which Then-step ran first (people who write features from
 * the glossary put Then-steps in any order). An audit that reversed every block of Then-steps
 * found 98 scenarios failing that passed in their written order. This runs a few of those,
 * each with its Then-steps reversed, one per kind of dependency that was fixed: a check that
 * read state an earlier waiting step had settled (status report, logs, leadership, what regions
 * converged to), one that was vacuous before the thing happened (a snapshot install), and one
 * that read a momentary fact a later step changes (what a client was told). The whole suite
 * reversed: `node scripts/reverse-then-steps.js features /tmp/reversed && npx cucumber-js /tmp/reversed`.
 */
const SCENARIOS: readonly { file: string; scenario: string }[] = [
  { file: 'features/cluster/membership-changes.feature', scenario: 'Adding a node grows the cluster' },
  { file: 'features/consensus/leadership-transfer.feature', scenario: 'Leadership is handed to a chosen follower' },
  { file: 'features/consensus/log-repair.feature', scenario: 'The leader of term 8 makes every log of Figure 7 match its own' },
  { file: 'features/consensus/snapshots.feature', scenario: 'A follower that was down during many writes is restored from a snapshot' },
  { file: 'features/authoring/replication.feature', scenario: 'Counter increments on both sides of a split add up' },
  { file: 'features/transactions/two-phase-commit.feature', scenario: 'The coordinator crashes after recording its decision; recovery commits the transaction' },
];

/** The line of the scenario in the feature text (reversing moves no scenario line). */
function lineOf(text: string, scenario: string): number {
  const index = text.split('\n').findIndex((line) => /^\s*Scenario( Outline)?:/.test(line) && line.split(':').slice(1).join(':').trim() === scenario);
  if (index < 0) throw new Error(`no scenario "${scenario}"`);
  return index + 1;
}

describe('Then-steps in any order', () => {
  it('reverses each block of Then-steps and keeps everything else in place', () => {
    const text = ['Feature: f', '  Scenario: s', '    Given a', '    When b', '    Then c', '    And d', '      | x |', '    When e', '    Then f', '    But g', ''].join('\n');
    assert.equal(reverseThenSteps(text), ['Feature: f', '  Scenario: s', '    Given a', '    When b', '    Then d', '      | x |', '    And c', '    When e', '    Then g', '    And f', ''].join('\n'));
  });

  it('scenarios that once depended on the order of their Then-steps pass with them reversed', async () => {
    const files: Record<string, string> = {};
    const paths: string[] = [];
    SCENARIOS.forEach(({ file, scenario }, index) => {
      const original = fs.readFileSync(path.join(REPOSITORY_ROOT, file), 'utf8');
      const reversed = reverseThenSteps(original);
      assert.notEqual(reversed, original, `${file} has Then-steps to reverse`);
      const name = `reversed-${index}-${path.basename(file)}`;
      files[name] = reversed;
      paths.push(`scratch:${name}:${lineOf(reversed, scenario)}`);
    });
    const run = await runCucumber(paths, {}, files);
    const scenarios = run.features.flatMap((feature) => feature.elements ?? []);
    assert.equal(scenarios.length, SCENARIOS.length, run.output);
    assert.equal(run.status, 0, run.output);
  });
});
