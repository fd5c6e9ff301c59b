import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

/**
 * The determinism contract, end to end: running the same scenario twice with the same
 * seed gives the same trace digest; a different seed gives a different one.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const FEATURE = 'features/cluster/health-monitoring.feature';
const SCENARIO_TITLE = 'Scenario: Ten percent message loss does not get a live node declared dead';

function scenarioLocation(feature = FEATURE, lineText = SCENARIO_TITLE): string {
  const lines = fs.readFileSync(path.join(ROOT, feature), 'utf8').split('\n');
  const index = lines.findIndex((line) => line.trim() === lineText);
  assert.ok(index >= 0, `${feature} no longer has "${lineText}"`);
  return `${feature}:${index + 1}`;
}

function runScenario(seed?: string, location = scenarioLocation()): { digest: string; status: number } {
  // cucumber-js resolves --config relative to the working directory, so the scratch space is under reports/.
  fs.mkdirSync(path.join(ROOT, 'reports'), { recursive: true });
  const scratch = fs.mkdtempSync(path.join(ROOT, 'reports', '.replay-'));
  const config = path.join(scratch, 'cucumber.js');
  const report = path.join(scratch, 'report.json');
  fs.writeFileSync(
    config,
    `module.exports = { default: { requireModule: ['ts-node/register/transpile-only'], require: ${JSON.stringify([
      path.join(ROOT, 'support/**/*.ts'),
      path.join(ROOT, 'step-definitions/**/*.ts'),
    ])}, format: ['json:${report}'] } };`,
  );
  const env = { ...process.env };
  delete env.PHANTOM_SEED;
  if (seed !== undefined) env.PHANTOM_SEED = seed;
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/@cucumber/cucumber/bin/cucumber.js'), '--config', path.relative(ROOT, config), location], { cwd: ROOT, env, encoding: 'utf8' });
  const features = JSON.parse(fs.readFileSync(report, 'utf8'));
  fs.rmSync(scratch, { recursive: true, force: true });
  const texts: string[] = [];
  for (const feature of features) {
    for (const element of feature.elements) {
      for (const step of [...(element.after ?? []), ...element.steps]) {
        for (const embedding of step.embeddings ?? []) {
          if (embedding.mime_type === 'text/plain') texts.push(Buffer.from(embedding.data, 'base64').toString('utf8'));
        }
      }
    }
  }
  const digest = texts.map((text) => /^trace digest: ([0-9a-f]{16})$/m.exec(text)?.[1]).find(Boolean);
  assert.ok(digest, `no trace digest attached; cucumber said:\n${result.stdout}\n${result.stderr}`);
  return { digest, status: result.status ?? -1 };
}

describe('Replaying a scenario from its seed', () => {
  it('gives the same trace digest twice, and a different one for another seed', () => {
    const first = runScenario();
    const second = runScenario();
    assert.equal(first.status, 0, 'the scenario passes');
    assert.equal(first.digest, second.digest);
    const other = runScenario('12345');
    assert.notEqual(other.digest, first.digest);
    assert.equal(runScenario('12345').digest, other.digest, 'PHANTOM_SEED replays exactly');
  });
});

describe('Replaying a chaos run from its seed', () => {
  it('gives the same trace digest for the same Examples row twice', () => {
    const row = scenarioLocation('features/kv/chaos.feature', '| 1    |');
    const first = runScenario(undefined, row);
    assert.equal(first.status, 0, 'the chaos row passes');
    assert.equal(runScenario(undefined, row).digest, first.digest);
  });
});
