/*
 * The report pictures (issue 13: every area attaches a picture): the saga's order, a
 * transaction's lock waits, and well-formed, deterministic SVG.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderLanesSvg } from '../../support/pictures/lanes-svg';
import { sagaSvg, transactionTimelineSvg } from '../../support/pictures/txn-pictures';

describe('report pictures', () => {
  it('a saga picture lists the steps and compensations in the order they ran', () => {
    const svg = sagaSvg(['seat', 'room', 'card'], [
      { step: 'seat', phase: 'action', atMs: 10 },
      { step: 'room', phase: 'action', atMs: 20 },
      { step: 'card', phase: 'action', atMs: 30 },
      { step: 'room', phase: 'compensation', atMs: 40 },
      { step: 'seat', phase: 'compensation', atMs: 50 },
    ], 60)!;
    assert.match(svg, /Order: seat → room → card → undo room → undo seat/);
    assert.match(svg, /#4: compensation of &quot;room&quot;/);
    assert.ok(svg.indexOf('>undo room<') < svg.indexOf('>undo seat<'), 'compensation lanes in the order they ran');
  });

  it('a saga that never ran draws nothing', () => {
    assert.equal(sagaSvg(['seat'], [], 0), undefined);
  });

  it('a transaction picture marks where it waited for a lock, and on whom', () => {
    const svg = transactionTimelineSvg(
      [{ id: 'c1.1', invokedAtMs: 5, completedAtMs: 40, outcome: 'committed' }],
      [{ atMs: 12, event: { kind: 'lock-wait', node: 'node-1', txnId: 'c1.1', key: 'alice', holders: ['c2.1'] } }],
      50,
    )!;
    assert.match(svg, /c1\.1: committed/);
    assert.match(svg, /waits for the lock on alice held by c2\.1 at 0\.012 s/);
  });

  it('the same chart gives the same bytes', () => {
    const chart = { title: 't', lanes: [{ name: 'g', bars: [{ startMs: 0, endMs: 10, colour: '#000', tip: 'x' }] }], endMs: 20, legend: [] };
    assert.equal(renderLanesSvg(chart), renderLanesSvg(chart));
  });
});
