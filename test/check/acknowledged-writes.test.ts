import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findLostWrites } from '../../src/check';
import type { HistoryEvent } from '../../src/check/linearizability';

const invoke = (process: string, f: string, value: unknown): HistoryEvent => ({ process, type: 'invoke', f, key: 'k', value } as HistoryEvent);
const ok = (process: string, f: string, value: unknown): HistoryEvent => ({ process, type: 'ok', f, key: 'k', value } as HistoryEvent);

describe('Acknowledged writes oracle', () => {
  it('finds nothing when the last read sees the last acknowledged write', () => {
    const history = [invoke('a', 'write', 'x1'), ok('a', 'write', 'x1'), invoke('b', 'write', 'x2'), ok('b', 'write', 'x2'), invoke('a', 'read', null), ok('a', 'read', 'x2')];
    assert.deepEqual(findLostWrites(history), []);
  });

  it('names a write that a later read shows was overwritten by an older value', () => {
    const history = [invoke('a', 'write', 'x1'), ok('a', 'write', 'x1'), invoke('b', 'write', 'x2'), ok('b', 'write', 'x2'), invoke('a', 'read', null), ok('a', 'read', 'x1')];
    const lost = findLostWrites(history);
    assert.equal(lost.length, 1);
    assert.equal(lost[0].value, 'x2');
    assert.match(lost[0].explanation, /"x2".*acknowledged.*"x1"/);
  });

  it('accepts a concurrent write winning over an acknowledged one', () => {
    const history = [invoke('a', 'write', 'x1'), invoke('b', 'write', 'x2'), ok('a', 'write', 'x1'), ok('b', 'write', 'x2'), invoke('a', 'read', null), ok('a', 'read', 'x1')];
    assert.deepEqual(findLostWrites(history), []);
  });

  it('accepts a write of unknown outcome that may have landed later', () => {
    const history = [invoke('a', 'write', 'x1'), ok('a', 'write', 'x1'), invoke('b', 'write', 'x2'), { process: 'b', type: 'info', f: 'write', key: 'k', value: 'x2' } as HistoryEvent, invoke('a', 'read', null), ok('a', 'read', 'x2')];
    assert.deepEqual(findLostWrites(history), []);
  });

  it('reports an acknowledged write when the key reads as never written', () => {
    const history = [invoke('a', 'cas', [null, 'x1']), ok('a', 'cas', [null, 'x1']), invoke('a', 'read', null), ok('a', 'read', null)];
    assert.equal(findLostWrites(history).length, 1);
  });
});

describe('Acknowledged writes oracle with repeated values', () => {
  it('accepts a read of a value that was written again after the acknowledged write', () => {
    const history = [
      invoke('a', 'write', 'blue'), ok('a', 'write', 'blue'),
      invoke('a', 'write', 'red'), ok('a', 'write', 'red'),
      invoke('a', 'write', 'blue'), ok('a', 'write', 'blue'),
      invoke('b', 'read', null), ok('b', 'read', 'blue'),
    ];
    assert.deepEqual(findLostWrites(history), []);
  });
});
