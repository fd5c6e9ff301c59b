import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type HeartbeatAck, PlacementService, type StoreHeartbeat } from '../../src/placement/heartbeat';
import type { Message, NodeEnv, NodeId } from '../../src/runtime/ports';
import { Simulation } from '../../src/sim';

/**
 * A node's heartbeats to the placement group's leader (src/placement/heartbeat.ts): the node
 * keeps sending to the placement node that last answered, and tries the next one when its last
 * heartbeat went unanswered (the store-heartbeat loop of TiKV's PD, which follows the leader).
 */
function world(options: { forgeAck?: (env: NodeEnv) => void }) {
  const sim = new Simulation({ seed: 3 });
  const received = new Map<NodeId, number>([['p1', 0], ['p2', 0]]);
  const alive = new Set<NodeId>(['p1', 'p2']);
  for (const id of ['p1', 'p2']) {
    sim.addNode(id, (env) => ({
      onMessage: (from: NodeId, message: Message) => {
        if (!alive.has(id) || message.type !== 'placement.heartbeat') return;
        received.set(id, received.get(id)! + 1);
        const ack: HeartbeatAck = { type: 'placement.heartbeat-ack', sequence: (message as StoreHeartbeat).sequence, recorded: true, leaderHint: null, epoch: 1 };
        env.network.send(from, ack);
      },
    }));
  }
  sim.addNode('store', (env) => {
    const service = new PlacementService(env, { placementNodes: () => ['p1', 'p2'], placementRole: () => undefined, collectReplicas: () => [], heartbeatIntervalMs: 100 });
    return { onMessage: (from: NodeId, message: Message) => service.onMessage(from, message) };
  });
  sim.addNode('rogue', (env) => {
    options.forgeAck?.(env);
    return { onMessage: () => undefined };
  });
  return { sim, received, alive };
}

describe('Placement heartbeats', () => {
  it('go to the placement node that answers, and to the next one once the last heartbeat went unanswered', () => {
    const { sim, received, alive } = world({});
    sim.runFor(1_000);
    assert.ok(received.get('p1')! >= 8, `p1 answered and kept getting heartbeats (${received.get('p1')})`);
    assert.equal(received.get('p2'), 0);
    alive.delete('p1');
    sim.runFor(1_000);
    assert.ok(received.get('p2')! >= 7, `after p1 stopped answering, p2 got the heartbeats (${received.get('p2')})`);
  });

  it('ignore answers from a node the heartbeat did not go to, which would point the node back at a placement node that stopped answering', () => {
    const { sim, received, alive } = world({
      forgeAck: (env) => {
        // Every 20 ms, answers to every early sequence, all saying "not me: p1 leads".
        const round = (): void => {
          for (let sequence = 1; sequence <= 40; sequence++) env.network.send('store', { type: 'placement.heartbeat-ack', sequence, recorded: false, leaderHint: 'p1', epoch: 1 } as HeartbeatAck);
          env.timers.setTimer(20, round, 'rogue.round');
        };
        round();
      },
    });
    sim.runFor(1_000);
    alive.delete('p1');
    sim.runFor(1_000);
    assert.ok(received.get('p2')! >= 7, `after p1 stopped answering, p2 got the heartbeats (${received.get('p2')}), the forged answers notwithstanding`);
  });

  it('ignore an answer to a heartbeat never sent: a forged later sequence would keep the node on a placement node that stopped answering', () => {
    const { sim, received, alive } = world({
      forgeAck: (env) => env.network.send('store', { type: 'placement.heartbeat-ack', sequence: 9e15, recorded: true, leaderHint: null, epoch: 1 } as HeartbeatAck),
    });
    sim.runFor(1_000);
    alive.delete('p1');
    sim.runFor(1_000);
    assert.ok(received.get('p2')! >= 7, `after p1 stopped answering, p2 got the heartbeats (${received.get('p2')}), the forged answer notwithstanding`);
  });
});
