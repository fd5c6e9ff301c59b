import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SCALE_DOWN, DEFAULT_SCALE_UP, PolicyError, resolvePolicy, type ScalingPolicySpec } from '../../src/scaling';

/** Issue 9 §2: a policy that makes no sense is refused with a message naming the field; HPA "Default Behavior" fills the rest. */
const good: ScalingPolicySpec = { minNodes: 3, maxNodes: 9, replicationFactor: 3, metrics: [{ metric: 'cpu', averageValue: 70 }] };

function refusal(overrides: Record<string, unknown>): PolicyError {
  try {
    resolvePolicy({ ...good, ...overrides } as ScalingPolicySpec);
  } catch (error) {
    assert.ok(error instanceof PolicyError, String(error));
    return error;
  }
  assert.fail(`policy ${JSON.stringify(overrides)} was accepted`);
}

describe('scaling policy validation', () => {
  it('fills in HPA defaults: tolerance 0.1, 300 s scale-down window, 100%/15 s down, max(100%, 4)/15 s up, 15 s interval', () => {
    const policy = resolvePolicy(good);
    assert.equal(policy.tolerance, 0.1);
    assert.deepEqual(policy.scaleDown, DEFAULT_SCALE_DOWN);
    assert.deepEqual(policy.scaleUp, DEFAULT_SCALE_UP);
    assert.equal(policy.scaleDown.stabilizationWindowSeconds, 300);
    assert.equal(policy.evaluationIntervalMs, 15_000);
  });

  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['min > max', { minNodes: 10, maxNodes: 9 }, 'minNodes', /greater than maxNodes/],
    ['a target of 0', { metrics: [{ metric: 'cpu', averageValue: 0 }] }, 'metrics[0].averageValue', /greater than 0/],
    ['a negative target', { metrics: [{ metric: 'memory', averageValue: -5 }] }, 'metrics[0].averageValue', /memory/],
    ['max below the replication factor', { minNodes: 2, maxNodes: 2 }, 'maxNodes', /replication factor \(3\)/],
    ['min below the replication factor', { minNodes: 2 }, 'minNodes', /replication factor/],
    ['no metric', { metrics: [] }, 'metrics', /at least one/],
    ['an unknown metric', { metrics: [{ metric: 'gpu', averageValue: 1 }] }, 'metrics[0].metric', /one of cpu/],
    ['a metric twice', { metrics: [{ metric: 'cpu', averageValue: 1 }, { metric: 'cpu', averageValue: 2 }] }, 'metrics[1].metric', /twice/],
    ['tolerance 1', { tolerance: 1 }, 'tolerance', /below 1/],
    ['a fractional node count', { maxNodes: 4.5 }, 'maxNodes', /whole number/],
    ['a negative window', { scaleDown: { stabilizationWindowSeconds: -1 } }, 'scaleDown.stabilizationWindowSeconds', /0 to 3600/],
    ['an unknown selectPolicy', { scaleUp: { selectPolicy: 'Fastest' } }, 'scaleUp.selectPolicy', /Max, Min or Disabled/],
    ['a zero rate', { scaleDown: { policies: [{ type: 'Nodes', value: 0, periodSeconds: 60 }] } }, 'scaleDown.policies[0].value', /greater than 0/],
    ['a period over 1800 s', { scaleUp: { policies: [{ type: 'Percent', value: 10, periodSeconds: 1801 }] } }, 'scaleUp.policies[0].periodSeconds', /1 to 1800/],
    ['an unknown rate type', { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } }, 'scaleUp.policies[0].type', /Nodes or Percent/],
    ['no rate policy', { scaleUp: { policies: [] } }, 'scaleUp.policies', /at least one/],
    ['a scheduled window that ends before it starts', { scheduledMinimums: [{ fromMs: 5000, untilMs: 1000, minNodes: 4 }] }, 'scheduledMinimums[0].untilMs', /after fromMs/],
    ['a scheduled minimum above max', { scheduledMinimums: [{ fromMs: 0, untilMs: 1000, minNodes: 12 }] }, 'scheduledMinimums[0].minNodes', /greater than maxNodes/],
    ['an interval of 0', { evaluationIntervalMs: 0 }, 'evaluationIntervalMs', /positive/],
  ];
  for (const [name, overrides, field, message] of cases) {
    it(`refuses ${name}, naming ${field}`, () => {
      const error = refusal(overrides);
      assert.equal(error.field, field);
      assert.match(error.message, new RegExp(`^scaling policy: ${field.replace(/[[\].]/g, '\\$&')} `));
      assert.match(error.message, message);
    });
  }

  it('accepts Disabled with no rate policy', () => {
    assert.equal(resolvePolicy({ ...good, scaleDown: { selectPolicy: 'Disabled', policies: [] } }).scaleDown.selectPolicy, 'Disabled');
  });
});
