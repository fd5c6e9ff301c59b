/**
 * The convergence oracles (Shapiro et al. 2011, §2.2 strong eventual consistency: replicas
 * that delivered the same updates hold equivalent states), checked on hand-made snapshots:
 * each divergence is caught and explained, and agreement passes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertConvergedWithin,
  checkConvergence,
  checkCounters,
  checkLastWriterWins,
  ConvergenceError,
  explainConvergence,
  explainCounterViolations,
  explainLwwViolations,
} from '../../src/check/convergence';

const snapshot = (replica: string, entries: [string, string][]) => ({ replica, values: new Map(entries) });

describe('convergence checker', () => {
  it('passes when every replica holds the same state for every key', () => {
    const report = checkConvergence([snapshot('us-east', [['a', '1'], ['b', '2']]), snapshot('eu-west', [['b', '2'], ['a', '1']])]);
    assert.equal(report.converged, true);
    assert.equal(report.keysChecked, 2);
    assert.equal(explainConvergence(report), '2 replicas agree on all 2 keys');
    assertConvergedWithin(report, 300, 1_000);
  });

  it('names each key that differs, and what each replica holds, including a missing key', () => {
    const report = checkConvergence([snapshot('us-east', [['a', '1'], ['b', '2']]), snapshot('eu-west', [['a', '9']]), snapshot('ap-south', [['a', '1'], ['b', '2']])]);
    assert.equal(report.converged, false);
    assert.equal(report.divergentCount, 2);
    assert.deepEqual(report.divergent[1].values.map((entry) => entry.value), ['2', undefined, '2']);
    const text = explainConvergence(report);
    assert.match(text, /2 of 2 keys differ/);
    assert.match(text, /eu-west: \(missing\)/);
    assert.throws(() => assertConvergedWithin(report, 100, 1_000), ConvergenceError);
  });

  it('converging later than the stated bound is a failure too', () => {
    const report = checkConvergence([snapshot('x', [['a', '1']]), snapshot('y', [['a', '1']])]);
    assert.throws(() => assertConvergedWithin(report, 1_500, 1_000), /beyond the bound of 1000 ms/);
  });

  it('shows at most the requested number of divergent keys', () => {
    const many = Array.from({ length: 30 }, (_, i): [string, string] => [`k${String(i).padStart(2, '0')}`, `${i}`]);
    const report = checkConvergence([snapshot('x', many), snapshot('y', [])], 5);
    assert.equal(report.divergentCount, 30);
    assert.equal(report.divergent.length, 5);
    assert.match(explainConvergence(report), /and 25 more/);
  });

  it('refuses snapshots that name one replica twice', () => {
    assert.throws(() => checkConvergence([snapshot('x', []), snapshot('x', [])]), /appears twice/);
  });
});

describe('counter oracle: no acknowledged increment lost, none counted twice', () => {
  const expectation = { key: 'likes/p', acknowledged: 7, unknownUp: 2, unknownDown: -1 };
  it('accepts any value the unknown outcomes allow', () => {
    for (const value of [6, 7, 9]) assert.deepEqual(checkCounters([expectation], () => new Map([['us-east', value]])), []);
  });
  it('catches a lost increment and a doubled one', () => {
    const violations = checkCounters([expectation], () => new Map([['us-east', 5], ['eu-west', 10]]));
    assert.equal(violations.length, 2);
    const text = explainCounterViolations(violations);
    assert.match(text, /likes\/p at us-east is 5, expected between 6 and 9: increments were lost/);
    assert.match(text, /eu-west is 10.*counted twice/);
  });
});

describe('last-writer-wins oracle', () => {
  const writes = [
    { key: 'p/alice', value: 'blue', order: [100, 0, 'us-east'] },
    { key: 'p/alice', value: 'green', order: [100, 0, 'eu-west'] },
    { key: 'p/alice', value: null, order: [90, 5, 'ap-south'] },
  ];
  it('the greatest (timestamp, region) must survive: here us-east wins the tie on region name', () => {
    assert.deepEqual(checkLastWriterWins(writes, new Map(), () => new Map([['eu-west', 'blue']])), []);
    const violations = checkLastWriterWins(writes, new Map(), () => new Map([['eu-west', 'green']]));
    assert.equal(explainLwwViolations(violations), 'p/alice at eu-west holds "green", but the write with the latest timestamp was "blue"');
  });
  it('a write whose outcome is unknown may have won', () => {
    assert.deepEqual(checkLastWriterWins(writes, new Map([['p/alice', new Set(['late'])]]), () => new Map([['x', 'late']])), []);
  });
});
