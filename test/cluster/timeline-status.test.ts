/*
 * The membership timeline picture agrees with the status table (issue 13): whatever the
 * status table lists at the end of a run, the timeline's last state for that node is the
 * same, and is drawn; a run that ended at once still draws; a refused join gets a row.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PhantomCluster } from '../../src/api';
import { Simulation } from '../../src/sim';

function newCluster(seed: number): { sim: Simulation; cluster: PhantomCluster } {
  const sim = new Simulation({ seed });
  return { sim, cluster: new PhantomCluster(sim, { clusterName: 'phantom', joinToken: 'token' }) };
}

/** Every node of the status table has the same last state in the timeline, and a drawn bar ending now. */
function assertTimelineMatchesStatus(cluster: PhantomCluster, sim: Simulation): string {
  const svg = cluster.timelineSvg('probe');
  const nowSeconds = (sim.nowMs / 1000).toFixed(2);
  for (const node of cluster.status().nodes) {
    assert.equal(cluster.timeline.stateAt(node.id, sim.nowMs), node.state, `timeline state of ${node.id} at the end`);
    assert.match(svg, new RegExp(`<title>${node.id}: ${node.state} from [0-9.]+ s to ${nowSeconds} s</title>`), `a drawn ${node.state} bar for ${node.id}`);
  }
  return svg;
}

describe('membership timeline against the status table', () => {
  it('a cluster that never got past its first instant is still drawn', () => {
    const { sim, cluster } = newCluster(1);
    cluster.addNode('node-1', { seeds: [] });
    const svg = assertTimelineMatchesStatus(cluster, sim);
    assert.match(svg, /run ended at 0\.00 s/);
  });

  it('a node that joined at the last instant shows its state, as the status table does', () => {
    const { sim, cluster } = newCluster(2);
    cluster.addNode('node-1', { seeds: [] });
    cluster.addNode('node-2', { seeds: ['node-1'] });
    sim.runFor(2_000);
    cluster.addNode('node-3', { seeds: ['node-1'] });
    sim.runFor(20);
    assert.ok(cluster.status().nodes.some((node) => node.id === 'node-3'), 'the status table lists node-3');
    assertTimelineMatchesStatus(cluster, sim);
  });

  it('a refused join gets a row that says so', () => {
    const { sim, cluster } = newCluster(3);
    cluster.addNode('node-1', { seeds: [] });
    cluster.addNode('node-2', { seeds: ['node-1'], credentials: { clusterName: 'phantom', joinToken: 'wrong' } });
    sim.runUntil(() => cluster.member('node-2')?.rejection() !== undefined, { withinMs: 10_000, waitingFor: 'the refusal' });
    const svg = assertTimelineMatchesStatus(cluster, sim);
    assert.match(svg, />node-2<\/text>/);
    assert.match(svg, /join refused: wrong-token/);
  });

  it('a crashed node ends dead in both', () => {
    const { sim, cluster } = newCluster(4);
    for (const id of ['node-1', 'node-2', 'node-3', 'node-4']) cluster.addNode(id, { seeds: id === 'node-1' ? [] : ['node-1'] });
    sim.runFor(2_000);
    sim.node('node-4').crash();
    sim.runFor(15_000);
    assert.equal(cluster.status().nodes.find((node) => node.id === 'node-4')?.state, 'dead');
    assertTimelineMatchesStatus(cluster, sim);
  });
});
