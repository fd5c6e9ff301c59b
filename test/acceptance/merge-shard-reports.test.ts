import * as path from 'node:path';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REPOSITORY_ROOT } from '../repository';

/** The nightly soak's merge job: shard reports become one report and one JUnit file. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { mergeReports, junit } = require(path.join(REPOSITORY_ROOT, 'scripts', 'merge-shard-reports.js')) as { mergeReports: (reports: unknown[][]) => any[]; junit: (features: unknown[]) => string };

const passed = { result: { status: 'passed', duration: 1e9 } };
const failed = { result: { status: 'failed', duration: 1e9, error_message: 'seed 7 FAILED\nreplay: PHANTOM_SEED=7 …' } };
const scenario = (name: string, step: object) => ({ type: 'scenario', name, steps: [step] });

describe('Merging shard reports', () => {
  it('joins a feature split over shards and writes one JUnit test case per scenario', () => {
    const shard1 = [{ uri: 'features/kv/chaos-soak.feature', name: 'KV soak', elements: [scenario('seeds 1 to 50', passed)] }];
    const shard2 = [
      { uri: 'features/kv/chaos-soak.feature', name: 'KV soak', elements: [scenario('seeds 51 to 100', failed)] },
      { uri: 'features/a.feature', name: 'A', elements: [scenario('a', passed)] },
    ];
    const merged = mergeReports([shard1, shard2]);
    assert.deepEqual(merged.map((feature) => [feature.uri, feature.elements.length]), [['features/a.feature', 1], ['features/kv/chaos-soak.feature', 2]]);
    const xml = junit(merged);
    assert.match(xml, /<testsuite name="KV soak" tests="2" failures="1">/);
    assert.match(xml, /<testcase classname="KV soak" name="seeds 51 to 100" time="1.000"><failure message="seed 7 FAILED">/);
  });
});
