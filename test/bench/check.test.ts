import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { type BenchReport, compareWithBaseline, kindOf } from '../../bench/compare';
import { trendPage } from '../../bench/report';
import { REPOSITORY_ROOT } from '../repository';

/**
 * The benchmark baseline check (issue 12, §4; Criterion's "change detection" against a
 * saved baseline): a 2x slowdown of one benchmark fails, naming it; an unchanged run and a
 * machine that is uniformly slower pass, because wall figures are taken relative to the
 * calibration loop of their own run.
 */

const ROOT = REPOSITORY_ROOT;

const baseline: BenchReport = {
  rows: [
    { group: 'calibration', name: 'calibration loop', value: 1_000, unit: 'loops/s' },
    { group: 'simulation', name: 'scheduler events per wall second', value: 9_000_000, unit: 'events/s' },
    { group: 'membership', name: '100-node membership, 60 simulated s: wall time', value: 400, unit: 'ms' },
    { group: 'transactions', name: 'commit latency p99', value: 28, unit: 'simulated ms' },
    { group: 'membership', name: '100-node membership: simulated events', value: 200_000, unit: 'events' },
  ],
};

function scaled(report: BenchReport, change: (name: string, value: number, unit: string) => number): BenchReport {
  return { rows: report.rows.map((row) => ({ ...row, value: change(row.name, row.value, row.unit) })) };
}

describe('bench:check', () => {
  it('passes on an unchanged run', () => {
    assert.equal(compareWithBaseline(baseline, baseline).ok, true);
  });

  it('passes when the whole machine is 2x slower (the calibration loop is 2x slower too)', () => {
    const slowerMachine = scaled(baseline, (_name, value, unit) => (kindOf(unit) === 'rate' || unit === 'loops/s' ? value / 2 : kindOf(unit) === 'duration' ? value * 2 : value));
    assert.equal(compareWithBaseline(baseline, slowerMachine).ok, true);
  });

  it('fails on a 2x slowdown of one throughput benchmark, naming it', () => {
    const result = compareWithBaseline(baseline, scaled(baseline, (name, value) => (name === 'scheduler events per wall second' ? value / 2 : value)));
    assert.equal(result.ok, false);
    assert.equal(result.problems.length, 1);
    assert.match(result.problems[0], /"scheduler events per wall second" regressed: 2\.00x the baseline relative to the calibration loop/);
  });

  it('fails on a 2x slowdown of one wall-time benchmark, and on a doubled simulated latency', () => {
    const result = compareWithBaseline(baseline, scaled(baseline, (name, value) => (name.startsWith('100-node membership, 60') || name === 'commit latency p99' ? value * 2 : value)));
    assert.deepEqual(result.verdicts.filter((verdict) => verdict.regressed).map((verdict) => verdict.name), ['100-node membership, 60 simulated s: wall time', 'commit latency p99']);
  });

  it('tolerates noise within the threshold and does not judge counts', () => {
    const noisy = scaled(baseline, (name, value) => (name === 'scheduler events per wall second' ? value * 0.75 : name.endsWith('simulated events') ? value * 3 : value));
    assert.equal(compareWithBaseline(baseline, noisy).ok, true);
  });

  it('fails when a baseline figure was not measured, and when a report has no calibration', () => {
    const missing = { rows: baseline.rows.filter((row) => row.name !== 'commit latency p99') };
    assert.match(compareWithBaseline(baseline, missing).problems.join('\n'), /"commit latency p99" is in the baseline but was not measured/);
    assert.throws(() => compareWithBaseline(baseline, { rows: baseline.rows.slice(1) }), /the current report has no "calibration loop" row/);
  });

  it('the command exits 1 on an injected 2x slowdown and 0 on an unchanged report', () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-check-'));
    const write = (name: string, report: BenchReport): string => {
      const file = path.join(scratch, name);
      fs.writeFileSync(file, JSON.stringify(report));
      return file;
    };
    const base = write('baseline.json', baseline);
    // Compiled (`npm test`), the build's JavaScript of the command, with no compiler to load first.
    const command = __filename.endsWith('.js') ? [path.resolve(__dirname, '..', '..', 'bench', 'check.js')] : ['--require', 'ts-node/register/transpile-only', path.join(ROOT, 'bench', 'check.ts')];
    const run = (current: string) => spawnSync(process.execPath, [...command, '--baseline', base, '--current', current], { cwd: ROOT, encoding: 'utf8' });
    try {
      const unchanged = run(write('same.json', baseline));
      assert.equal(unchanged.status, 0, unchanged.stdout + unchanged.stderr);
      const slow = run(write('slow.json', scaled(baseline, (name, value) => (name === 'scheduler events per wall second' ? value / 2 : value))));
      assert.equal(slow.status, 1);
      assert.match(slow.stdout, /REGRESSED\s+2\.00x\s+scheduler events per wall second/);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('the trend page has one chart per benchmark, drawn offline', () => {
    const history = [1, 2, 3].map((run) => ({ commit: `c${run}`, date: `2026-01-0${run}`, machine: 'test', figures: Object.fromEntries(baseline.rows.map((row) => [row.name, { value: row.value * run, unit: row.unit }])) }));
    const page = trendPage(history);
    assert.equal((page.match(/<section>/g) ?? []).length, baseline.rows.length - 1);
    assert.ok(!/https?:\/\/(?!www\.w3\.org)/.test(page), 'no link to fetch anything from the network');
    assert.match(page, /<svg/);
  });
});
