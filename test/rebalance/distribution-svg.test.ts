import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeDistribution } from '../../src/rebalance/analysis';
import { distributionChartOption, imbalanceChartOption } from '../../src/rebalance/distribution-chart';
import { planRebalance } from '../../src/rebalance/planner';
import { planShards } from '../../src/sharding';
import { distributionSvg, imbalanceSvg } from '../../support/distribution-svg';

/**
 * Issue 8 §2, the picture attached to the report: replicas and leaders per node before and
 * after a plan, and imbalance over virtual time, drawn with Apache ECharts' SSR renderer.
 */

const nodeIds = ['node-1', 'node-2', 'node-3', 'node-4'];

function beforeAndAfter() {
  const map = planShards({ nodes: nodeIds.slice(0, 3), shardCount: 12, replicationFactor: 3 });
  const nodes = nodeIds.map((id) => ({ id }));
  const plan = planRebalance({ map, nodes, policy: { measure: 'replicas', threshold: 0.05, replicationFactor: 3 } });
  return { before: analyzeDistribution({ map, nodes }), after: analyzeDistribution({ map: plan.expectedMap, nodes }), plan };
}

/** Every opened element is closed in order (an XML well-formedness check without a parser). */
function assertWellFormedSvg(svg: string): void {
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'), 'ends with </svg>');
  const stack: string[] = [];
  for (const tag of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = tag;
    if (selfClosing) continue;
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the element opened last`);
    else stack.push(name);
  }
  assert.deepEqual(stack, [], 'every element is closed');
}

describe('distribution picture (ECharts SVG, server-side)', () => {
  it('draws valid SVG naming every node, with before and after series', () => {
    const { before, after } = beforeAndAfter();
    const svg = distributionSvg(before, after, 'Rebalance after node-4 joined');
    assertWellFormedSvg(svg);
    for (const node of nodeIds) assert.ok(svg.includes(`>${node}<`), `the picture names ${node}`);
    for (const label of ['replicas before', 'leaders before', 'replicas after', 'leaders after', 'Rebalance after node-4 joined']) {
      assert.ok(svg.includes(label), `the picture shows "${label}"`);
    }
  });

  it('gives the same bytes for the same data, however many charts the process drew before', () => {
    const { before, after } = beforeAndAfter();
    const first = distributionSvg(before, after);
    distributionSvg(after);
    assert.equal(distributionSvg(before, after), first);
  });

  it('has animation off and bars in node order', () => {
    const { before, after } = beforeAndAfter();
    const option = distributionChartOption(before, after);
    assert.equal(option.animation, false);
    assert.deepEqual((option.xAxis as { data: string[] }).data, nodeIds);
    const series = option.series as { name: string; data: number[] }[];
    assert.deepEqual(series.find((entry) => entry.name === 'replicas before')!.data, [12, 12, 12, 0]);
    assert.deepEqual(series.find((entry) => entry.name === 'replicas after')!.data, [9, 9, 9, 9]);
  });

  it('draws imbalance over virtual time, one line per measure', () => {
    const { before, after } = beforeAndAfter();
    const samples = [
      { timeMs: 0, imbalance: before.imbalance },
      { timeMs: 2500, imbalance: after.imbalance },
    ];
    const option = imbalanceChartOption(samples);
    const series = option.series as { name: string; data: [number, number][] }[];
    assert.deepEqual(series.map((entry) => entry.name), ['replicas', 'leaders', 'bytes', 'load']);
    assert.deepEqual(series[0].data, [[0, 1.333], [2.5, 1]]);
    const svg = imbalanceSvg(samples);
    assertWellFormedSvg(svg);
    assert.ok(svg.includes('replicas') && svg.includes('virtual s'));
  });
});
