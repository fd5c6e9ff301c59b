/**
 * Views, agreement, the status table and the membership timeline (rendering is PhantomDB's
 * own; the states shown are those of SWIM §4.2 plus `left`).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PhantomCluster } from '../../src/api';
import { clusterAgreement, consensusStates, findDisagreements } from '../../src/cluster/agreement';
import { buildClusterStatus, renderStatusTable } from '../../src/cluster/status';
import { MembershipTimeline } from '../../src/cluster/timeline';
import { renderTimelineSvg, STATE_COLOURS } from '../../src/cluster/timeline-svg';
import type { JoinPhase, MemberState, MembershipView } from '../../src/cluster/types';
import { Nemesis, Simulation } from '../../src/sim';
import { ClusterFixture } from './fixture';

function view(observerId: string, states: Record<string, MemberState>, options: { phase?: JoinPhase; observedAtMs?: number } = {}): MembershipView {
  return {
    observerId,
    observedAtMs: options.observedAtMs ?? 10_000,
    phase: options.phase ?? 'member',
    incarnation: 0,
    members: Object.entries(states)
      .sort(([left], [right]) => left.localeCompare(right))
      .map(([id, state]) => ({ id, state, incarnation: id === 'c' ? 2 : 0, region: 'eu', zone: `eu-${id}`, capacity: 8, lastHeardMs: 9_500 })),
  };
}

describe('cluster agreement', () => {
  it('holds when every live member reports the same members in the same states', () => {
    const states = { a: 'alive', b: 'alive', c: 'dead' } as const;
    assert.equal(clusterAgreement([view('a', states), view('b', states)]), true);
    assert.deepEqual(findDisagreements([view('a', states), view('b', states)]), []);
  });

  it('fails on a different state or a missing member, and says where', () => {
    const reference = view('a', { a: 'alive', b: 'alive', c: 'alive' });
    assert.equal(clusterAgreement([reference, view('b', { a: 'alive', b: 'alive', c: 'suspect' })]), false);
    assert.equal(clusterAgreement([reference, view('b', { a: 'alive', b: 'alive' })]), false);
    assert.deepEqual(findDisagreements([reference, view('b', { a: 'alive', b: 'alive' })]), ['b sees c as unknown, a sees it as alive']);
  });

  it('ignores views of nodes that are not live members (joining, left, or accused in their own view)', () => {
    const states = { a: 'alive', b: 'alive' } as const;
    const joining = view('x', { x: 'alive' }, { phase: 'joining' });
    const leaving = view('c', { a: 'alive', b: 'alive', c: 'left' }, { phase: 'leaving' });
    assert.equal(clusterAgreement([view('a', states), view('b', states), joining, leaving]), true);
    assert.equal(clusterAgreement([joining]), false, 'no live observer, nothing agrees');
  });

  it('the consensus state is the majority, ties going to the more severe state', () => {
    const consensus = consensusStates([
      view('a', { a: 'alive', b: 'alive', c: 'suspect' }),
      view('b', { a: 'alive', b: 'alive', c: 'alive' }),
    ]);
    assert.equal(consensus.get('a'), 'alive');
    assert.equal(consensus.get('c'), 'suspect');
  });
});

describe('status table', () => {
  it('renders size, per-node state, placement, incarnation, last heard and agreement as an aligned table', () => {
    const status = buildClusterStatus([view('a', { a: 'alive', b: 'alive', c: 'dead' }), view('b', { a: 'alive', b: 'alive', c: 'dead' })], 12_000);
    assert.equal(status.size, 3);
    assert.equal(status.agreement, true);
    assert.deepEqual(status.counts, { alive: 2, suspect: 0, dead: 1, left: 0 });
    assert.equal(
      renderStatusTable(status),
      [
        'Cluster at 12.000 s: 3 members (alive 2, suspect 0, dead 1, left 0); agreement: yes among 2 live observers',
        'NODE  STATE  REGION  ZONE  CAPACITY  INCARNATION  LAST HEARD  SEEN BY',
        'a     alive  eu      eu-a         8            0   0.5 s ago        2',
        'b     alive  eu      eu-b         8            0   0.5 s ago        2',
        'c     dead   eu      eu-c         8            2   0.5 s ago        2',
        '',
      ].join('\n'),
    );
  });

  it('reports disagreement of a live cluster after a crash, then agreement', () => {
    const fixture = new ClusterFixture({ seed: 51 });
    fixture.startCluster(5);
    fixture.world.crash('n02');
    fixture.world.runUntil(() => fixture.declarations('n02', 'suspect').length > 0, 5_000, 10);
    const during = buildClusterStatus(fixture.views(), fixture.world.nowMs);
    assert.equal(during.size, 5);
    fixture.world.runUntil(() => fixture.everyoneElseSees('n02', 'dead'), 10_000);
    const after = buildClusterStatus(fixture.views(), fixture.world.nowMs);
    assert.equal(after.agreement, true);
    assert.equal(after.nodes.find((node) => node.id === 'n02')?.state, 'dead');
    assert.match(renderStatusTable(after), /n02\s+dead/);
  });
});

describe('membership timeline', () => {
  it('records only changes of the consensus state and slices them into segments', () => {
    const timeline = new MembershipTimeline();
    timeline.record(0, new Map([['a', 'alive']]));
    timeline.record(1_000, new Map([['a', 'alive'], ['b', 'alive']]));
    timeline.record(2_000, new Map([['a', 'suspect'], ['b', 'alive']]));
    timeline.record(3_000, new Map([['a', 'dead'], ['b', 'alive']]));
    assert.deepEqual(timeline.changes('a').map((change) => change.state), ['alive', 'suspect', 'dead']);
    assert.deepEqual(timeline.segments('a', 4_000), [
      { state: 'alive', startMs: 0, endMs: 2_000 },
      { state: 'suspect', startMs: 2_000, endMs: 3_000 },
      { state: 'dead', startMs: 3_000, endMs: 4_000 },
    ]);
    assert.equal(timeline.stateAt('b', 500), undefined);
    assert.throws(() => timeline.record(1_500, new Map()), /backwards/);
  });

  it('renders a self-contained SVG: one row per node, coloured segments, seconds axis, legend', () => {
    const fixture = new ClusterFixture({ seed: 52 });
    const timeline = new MembershipTimeline();
    fixture.startCluster(6, { awaitAgreementWithinMs: 0 });
    const step = (durationMs: number) => {
      for (let elapsedMs = 0; elapsedMs < durationMs; elapsedMs += 50) {
        fixture.world.runFor(50);
        timeline.recordViews(fixture.world.nowMs, fixture.views());
      }
    };
    step(3_000);
    fixture.world.crash('n03');
    step(8_000);
    fixture.member('n04').leave();
    step(4_000);
    const svg = renderTimelineSvg(timeline, { endMs: fixture.world.nowMs, title: 'n03 crashes & n04 leaves' });
    assert.match(svg, /^<svg xmlns='http:\/\/www\.w3\.org\/2000\/svg'/);
    assert.ok(svg.trimEnd().endsWith('</svg>'));
    assert.doesNotMatch(svg, /<style|<link|@import|@font-face|<script|href=/, 'no external resources');
    assert.match(svg, /n03 crashes &amp; n04 leaves/, 'text is escaped');
    for (const id of ['n00', 'n05']) assert.match(svg, new RegExp(`>${id}</text>`));
    for (const state of ['alive', 'suspect', 'dead', 'left'] as const) {
      assert.match(svg, new RegExp(`fill='${STATE_COLOURS[state]}'`), `${state} colour used (segment or legend)`);
      assert.match(svg, new RegExp(`>${state}</text>`), `${state} in legend`);
    }
    assert.match(svg, /n03: dead from/);
    assert.match(svg, /n04: left from/);
    assert.match(svg, />0<\/text>/, 'axis starts at 0 s');
    assert.match(svg, />14<\/text>/, 'axis labels in seconds');
    assert.match(svg, /virtual time \(s\)/);
    assert.equal(timeline.nodeIds().length, 6);
  });
});

describe('cluster agreement from kept signatures (PhantomCluster.agreement)', () => {
  it('answers as clusterAgreement over whole views, at every poll of a run with crashes, pauses, partitions and leaves', () => {
    for (const seed of [1, 2, 3]) {
      const sim = new Simulation({ seed });
      const cluster = new PhantomCluster(sim, { clusterName: 'signatures', joinToken: 'signatures-token' });
      const ids = Array.from({ length: 6 }, (_, index) => `node-${index + 1}`);
      for (const id of ids) cluster.addNode(id, { seeds: id === 'node-1' ? [] : ['node-1'] });
      const nemesis = new Nemesis(sim, { nodes: ids, faults: ['crash', 'pause', 'partition'], gapMs: { minMs: 300, maxMs: 900 } });
      const answers = { true: 0, false: 0 };
      const compare = (when: string) => {
        const kept = cluster.agreement();
        assert.equal(kept, clusterAgreement(cluster.views()), `seed ${seed}, ${when} at ${sim.nowMs} ms: agreement() and clusterAgreement(views()) differ`);
        answers[`${kept}`]++;
      };
      for (let poll = 0; poll < 300; poll++) {
        if (poll === 40) nemesis.start();
        if (poll === 200) nemesis.healAll();
        if (poll === 220) cluster.member('node-6')?.leave();
        sim.runFor(25);
        compare(`poll ${poll}`);
      }
      assert.ok(answers.true > 10 && answers.false > 10, `seed ${seed}: both answers were seen (${answers.true} agreed, ${answers.false} did not)`);
      sim.dispose();
    }
  });
});
