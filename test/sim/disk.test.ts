import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimDisk } from '../../src/sim';

describe('Simulated disk', () => {
  it('keeps synced writes and loses the unsynced tail on a crash', () => {
    const disk = new SimDisk();
    disk.put('term', 1);
    disk.append('log', ['a', 'b']);
    disk.sync();
    disk.put('term', 2);
    disk.append('log', ['c']);
    assert.equal(disk.get('term'), 2, 'the process sees its own writes');
    disk.crash();
    assert.equal(disk.get('term'), 1);
    assert.deepEqual(disk.get('log'), ['a', 'b']);
  });

  it('replays truncate and delete at sync time in order', () => {
    const disk = new SimDisk();
    disk.append('log', [1, 2, 3, 4]);
    disk.truncate('log', 2);
    disk.append('log', [9]);
    disk.put('x', 1);
    disk.delete('x');
    disk.sync();
    disk.crash();
    assert.deepEqual(disk.get('log'), [1, 2, 9]);
    assert.equal(disk.get('x'), undefined);
  });

  it('does not let later view changes leak into the durable image', () => {
    const disk = new SimDisk();
    disk.append('log', [1]);
    disk.sync();
    disk.append('log', [2]);
    disk.crash();
    disk.append('log', [3]);
    disk.crash();
    assert.deepEqual(disk.get('log'), [1]);
  });
});

describe('Simulated disk lists written whole', () => {
  it('does not share a list between the view and the durable image', () => {
    const disk = new SimDisk();
    disk.put('log', [1, 2]);
    disk.sync();
    disk.append('log', [3]);
    disk.sync();
    disk.crash();
    assert.deepEqual(disk.get('log'), [1, 2, 3], 'an append after a synced put is applied once');
  });
});
