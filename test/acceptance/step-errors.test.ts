import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCucumber } from './cucumber-run';

/**
 * What a feature writer sees when a step is given a wrong value, or when an expected
 * error is left unchecked: the message names the step, the value and the accepted form.
 */

async function runFeature(gherkin: string): Promise<{ output: string; status: number }> {
  const run = await runCucumber(['scratch:probe.feature'], {}, { 'probe.feature': gherkin });
  return { output: run.output, status: run.status };
}

describe('Step errors a feature writer can act on', () => {
  it('a malformed node list names the step, the value and the accepted form', async () => {
    const { output, status } = await runFeature('Feature: probe\n  Scenario: bad list\n    Given a running cluster of node-1, node-x and node-3\n');
    assert.notEqual(status, 0);
    assert.match(output, /In step "a running cluster of node-1, node-x and node-3": "node-1, node-x and node-3" is not a valid nodes\. Accepted form: a list of nodes/);
  });

  it('a duration with an unknown unit names the accepted units', async () => {
    const { output } = await runFeature('Feature: probe\n  Scenario: bad duration\n    Given a running cluster of 3 nodes\n    When 5 parsecs pass\n');
    assert.match(output, /In step "5 parsecs pass": "5 parsecs" is not a valid duration\. Accepted form: a number and a unit \(ms, milliseconds, s, seconds, minute, minutes\)/);
  });

  it('an unknown node is named with the nodes that do exist', async () => {
    const { output } = await runFeature('Feature: probe\n  Scenario: unknown node\n    Given a running cluster of 3 nodes\n    When node-7 crashes\n');
    assert.match(output, /In step "node-7 crashes": there is no node called node-7\. Known nodes: node-1, node-2, node-3\./);
  });

  it('a refusal that no later step checks fails the scenario', async () => {
    const { output, status } = await runFeature('Feature: probe\n  Scenario: unchecked\n    Given a running cluster of 3 nodes\n    When node-2 crashes\n    And an operator tries to pause node-2\n');
    assert.notEqual(status, 0);
    assert.match(output, /A step caught this error but no later step checked it: node node-2 cannot pause: it is crashed/);
  });
});
