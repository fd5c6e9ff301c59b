import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceSample } from '../../src/scaling';
import { resourceChartOption } from '../../src/scaling';
import { resourceSvg } from '../../support/scaling-svg';

/** Issue 9 §1, the resource picture: every metric over virtual time with the node count on its own axis; same data, same bytes. */
const samples: ResourceSample[] = [5, 10, 15].flatMap((second) =>
  ['node-1', 'node-2'].map((node, index) => ({ atMs: second * 1000, node, values: { cpu: 40 + second + index, memory: 10, disk: 1, requestsPerSecond: 200 } })),
);
const counts = [{ atMs: 0, nodes: 2 }, { atMs: 12_000, nodes: 3 }];

describe('resource picture', () => {
  it('draws the cluster average of each metric and the node count as a step line on the right axis', () => {
    const option = resourceChartOption(samples, counts);
    const series = option.series as { name: string; data: [number, number][]; yAxisIndex: number }[];
    assert.deepEqual(series.map((line) => line.name), ['cpu %', 'memory %', 'disk %', 'requests/s per node', 'nodes']);
    assert.deepEqual(series[0].data, [[5, 45.5], [10, 50.5], [15, 55.5]]);
    assert.deepEqual(series[4].data, [[0, 2], [12, 3]]);
    assert.equal(series[4].yAxisIndex, 1);
  });

  it('renders the same SVG bytes twice', () => {
    const first = resourceSvg(samples, counts, 'twice');
    assert.match(first, /^<svg/);
    assert.equal(resourceSvg(samples, counts, 'twice'), first);
  });
});
