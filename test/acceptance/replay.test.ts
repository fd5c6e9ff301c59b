import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, runCucumber, textAttachments } from './cucumber-run';

/**
 * The determinism contract, end to end: running the same scenario twice with the same
 * seed gives the same trace digest; a different seed gives a different one.
 */

function location(feature: string, lineText: string): string {
  const lines = fs.readFileSync(path.join(ROOT, feature), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.trim() === lineText);
  assert.ok(index >= 0, `${feature} no longer has "${lineText}"`);
  return `${feature}:${index + 1}`;
}

async function runScenario(where: string, seed?: string): Promise<{ digest: string; status: number }> {
  const run = await runCucumber([where], { PHANTOM_SEED: seed });
  const digest = textAttachments(run.features).map((text) => /^trace digest: ([0-9a-f]{16})$/m.exec(text)?.[1]).find(Boolean);
  assert.ok(digest, `no trace digest attached; cucumber said:\n${run.output}`);
  return { digest, status: run.status };
}

describe('Replaying a scenario from its seed', () => {
  it('gives the same trace digest twice, and a different one for another seed', async () => {
    const where = location('features/cluster/health-monitoring.feature', 'Scenario: Ten percent message loss does not get a live node declared dead');
    const first = await runScenario(where);
    assert.equal(first.status, 0, 'the scenario passes');
    assert.equal((await runScenario(where)).digest, first.digest);
    const other = await runScenario(where, '12345');
    assert.notEqual(other.digest, first.digest);
    assert.equal((await runScenario(where, '12345')).digest, other.digest, 'PHANTOM_SEED replays exactly');
  });
});

describe('Replaying a chaos run from its seed', () => {
  it('gives the same trace digest for the same Examples row twice', async () => {
    const row = location('features/kv/chaos.feature', '| 1    |');
    const first = await runScenario(row);
    assert.equal(first.status, 0, 'the chaos row passes');
    assert.equal((await runScenario(row)).digest, first.digest);
  });
});
