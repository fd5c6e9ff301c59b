import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { summarizeItems, type StatusItem } from '../../src/api/status-summary';

function nodes(count: number, crashed: readonly number[] = []): StatusItem[] {
  return Array.from({ length: count }, (_, index) => {
    const state = crashed.includes(index + 1) ? 'crashed' : 'running/member';
    return { text: `node-${index + 1} ${state}`, state };
  });
}

describe('status lines of large clusters (issue 14 §4: an error summarises, it does not list)', () => {
  test('a small cluster is listed in full', () => {
    assert.equal(summarizeItems(nodes(3)), 'node-1 running/member, node-2 running/member, node-3 running/member');
  });

  test('1,000 shards fit in a short line: the first few, then counts by state', () => {
    const shards: StatusItem[] = Array.from({ length: 1000 }, (_, index) => ({ text: `shard-${index + 1} leader node-${(index % 100) + 1}`, state: 'led' }));
    const line = summarizeItems(shards);
    assert.ok(line.length < 300, `the line has ${line.length} characters`);
    assert.ok(line.startsWith('shard-1 leader node-1, shard-2 leader node-2'), line);
    assert.ok(line.endsWith('and 995 more (of 1000: 1000 led)'), line);
  });

  test('what is wrong is named even when it is far down the list', () => {
    const line = summarizeItems(nodes(100, [77, 98]), ['crashed']);
    assert.ok(line.startsWith('node-77 crashed, node-98 crashed, node-1 running/member'), line);
    assert.ok(line.includes('(of 100: 98 running/member, 2 crashed)'), line);
  });

  test('at least one item must be shown', () => {
    assert.throws(() => summarizeItems(nodes(10), [], 0), /at least one item/);
  });
});
