import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeEnv } from '../../src/runtime/ports';
import { Simulation } from '../../src/sim';

describe('Simulated nodes', () => {
  it('a crash cancels timers and keeps only the synced disk; restart recreates the process', () => {
    const sim = new Simulation({ seed: 1 });
    let fired = 0;
    let env: NodeEnv | undefined;
    const node = sim.addNode('n1', (e) => {
      env = e;
      e.timers.setTimer(100, () => fired++);
      return { onMessage: () => undefined };
    });
    env!.disk.put('kept', 1);
    env!.disk.sync();
    env!.disk.put('lost', 2);
    sim.runFor(50);
    node.crash();
    sim.runFor(100);
    assert.equal(fired, 0, 'a crashed process fires no timers');
    node.start();
    assert.equal(env!.disk.get('kept'), 1);
    assert.equal(env!.disk.get('lost'), undefined);
    sim.runFor(100);
    assert.equal(fired, 1, 'the new process has its own timer');
  });

  it('a paused process receives nothing and fires no timers until resumed', () => {
    const sim = new Simulation({ seed: 1 });
    const events: string[] = [];
    let envA: NodeEnv | undefined;
    sim.addNode('a', (e) => {
      envA = e;
      return { onMessage: () => undefined };
    });
    const b = sim.addNode('b', (e) => {
      e.timers.setTimer(10, () => events.push(`timer@${sim.nowMs}`));
      return { onMessage: (_from, message) => events.push(`${message.type}@${sim.nowMs}`) };
    });
    b.pause();
    envA!.network.send('b', { type: 'msg' });
    sim.runFor(100);
    assert.deepEqual(events, []);
    b.resume();
    sim.runFor(1);
    assert.deepEqual(events, ['timer@100', 'msg@100']);
  });

  it('reads a local clock with offset and drift', () => {
    const sim = new Simulation({ seed: 1 });
    const node = sim.addNode('n', () => ({ onMessage: () => undefined }));
    node.setClock(500, 1000); // +500 ms, runs 0.1% fast
    sim.runFor(10_000);
    assert.equal(node.clock.nowMs(), 10_000 + 500 + 10);
  });
});
