import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCucumber } from './cucumber-run';

/**
 * What an author who writes from the glossary alone sees (issue 13): wrong words name the
 * step, the value and the accepted form; an undefined step lists the closest glossary
 * entries; prerequisites a step can supply itself are supplied.
 */

async function runFeature(gherkin: string, extraArgs: string[] = []): Promise<{ output: string; status: number }> {
  const run = await runCucumber([...extraArgs, 'scratch:probe.feature'], {}, { 'probe.feature': gherkin });
  return { output: run.output, status: run.status };
}

describe('Authoring from the glossary', () => {
  it('an operator action outside the closed set names the step, the word and the accepted ones', async () => {
    const { output, status } = await runFeature('Feature: probe\n  Scenario: bad action\n    Given a running cluster of 3 nodes\n    When an operator tries to reboot node-2\n');
    assert.notEqual(status, 0);
    assert.match(output, /In step "an operator tries to reboot node-2": "reboot" is not a valid operator action\. Accepted form: one of "pause", "resume", "crash", "restart"/);
  });

  it('a transaction outcome outside the closed set names the accepted ones', async () => {
    const { output } = await runFeature('Feature: probe\n  Scenario: bad outcome\n    Given these accounts, each on a different shard:\n      | account | balance |\n      | alice   | 100     |\n      | bob     | 50      |\n    When client "c1" transfers 30 from "alice" to "bob"\n    Then within 1 second client "c1" learns that its transaction succeeded\n');
    assert.match(output, /"succeeded" is not a valid transaction outcome\. Accepted form: one of "committed", "aborted"/);
  });

  it('an undefined step is shown with the three closest glossary entries', async () => {
    const { output } = await runFeature(
      'Feature: probe\n  Scenario: typo\n    Given a replicated group of 3 nodes\n    Then the leader steps down within 2 seconds\n',
      ['--format', './support/undefined-steps-formatter.js:reports/.undefined-steps-probe.txt'],
    );
    assert.match(output, /1 step\(s\) match no definition/);
    assert.match(output, /"Then the leader steps down within 2 seconds"[^\n]*\n\s+Then within \{duration\} \{group role\} steps down/);
  });

  it('a saga table with a malformed cell names the row, the column and the accepted values', async () => {
    const { output } = await runFeature('Feature: probe\n  Scenario: bad saga\n    Given a trip-booking saga of these steps:\n      | step   | service | does | attempts |\n      | flight | flights | book | twice    |\n');
    assert.match(output, /row 1: column "attempts" is "twice"\. Accepted: empty \(1 attempt\) or a whole number from 1/);
  });

  it('a status report column that does not exist names the accepted columns', async () => {
    const { output } = await runFeature('Feature: probe\n  Scenario: bad column\n    Given a running cluster of 3 nodes\n    Then the status report shows:\n      | node   | health |\n      | node-1 | good   |\n');
    assert.match(output, /unknown column\(s\) health\. Accepted columns: node, state, region, zone, capacity, incarnation, observerCount/);
  });
});

describe('Time-outs during a partition', () => {
  it('say which groups could not talk', async () => {
    const { output, status } = await runFeature(
      'Feature: probe\n  Scenario: split\n    Given a running cluster of 5 nodes\n    When the network is split into these groups:\n      | nodes                     |\n      | node-1, node-2 and node-3 |\n      | node-4 and node-5         |\n    Then within 2 seconds all live nodes agree on the membership\n    And within 1 second every live node sees node-4 as dead\n',
    );
    assert.notEqual(status, 0);
    assert.match(output, /network split into \{node-1, node-2, node-3\} \| \{node-4, node-5\}, which cannot talk to each other/);
  });
});
