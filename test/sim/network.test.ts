import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, NodeEnv, NodeId } from '../../src/runtime/ports';
import { Simulation } from '../../src/sim';
import { messageTypeOf } from '../../src/sim/network';

interface Inbox {
  received: { from: NodeId; type: string; atMs: number }[];
  env?: NodeEnv;
}

function cluster(seed: number, ids: string[]): { sim: Simulation; inboxes: Map<string, Inbox> } {
  const sim = new Simulation({ seed });
  const inboxes = new Map<string, Inbox>();
  for (const id of ids) {
    const inbox: Inbox = { received: [] };
    inboxes.set(id, inbox);
    sim.addNode(id, (env) => {
      inbox.env = env;
      return { onMessage: (from: NodeId, message: Message) => inbox.received.push({ from, type: message.type, atMs: sim.nowMs }) };
    });
  }
  return { sim, inboxes };
}

describe('Simulated network', () => {
  it('delivers with the configured constant latency', () => {
    const { sim, inboxes } = cluster(1, ['a', 'b']);
    sim.network.setDefaultLatency({ kind: 'constant', ms: 7 });
    inboxes.get('a')!.env!.network.send('b', { type: 'hello' });
    sim.runFor(100);
    assert.deepEqual(inboxes.get('b')!.received, [{ from: 'a', type: 'hello', atMs: 7 }]);
  });

  it('drops messages across partition groups and delivers inside a group', () => {
    const { sim, inboxes } = cluster(1, ['a', 'b', 'c']);
    sim.network.partition([['a', 'b'], ['c']]);
    inboxes.get('a')!.env!.network.send('b', { type: 'x' });
    inboxes.get('a')!.env!.network.send('c', { type: 'x' });
    sim.runFor(100);
    assert.equal(inboxes.get('b')!.received.length, 1);
    assert.equal(inboxes.get('c')!.received.length, 0);
    assert.equal(sim.network.counters('a', 'c').dropped, 1);
    sim.network.heal();
    inboxes.get('a')!.env!.network.send('c', { type: 'x' });
    sim.runFor(100);
    assert.equal(inboxes.get('c')!.received.length, 1);
  });

  it('cuts one direction only', () => {
    const { sim, inboxes } = cluster(1, ['a', 'b']);
    sim.network.cutOneWay('a', 'b');
    inboxes.get('a')!.env!.network.send('b', { type: 'x' });
    inboxes.get('b')!.env!.network.send('a', { type: 'x' });
    sim.runFor(100);
    assert.equal(inboxes.get('b')!.received.length, 0);
    assert.equal(inboxes.get('a')!.received.length, 1);
  });

  it('loses about the configured fraction and counts per message type', () => {
    const { sim, inboxes } = cluster(3, ['a', 'b']);
    sim.network.setFaults({ lossProbability: 0.1 });
    for (let i = 0; i < 10_000; i++) inboxes.get('a')!.env!.network.send('b', { type: 'ping' });
    sim.runFor(1000);
    const delivered = inboxes.get('b')!.received.length;
    assert.ok(delivered > 8800 && delivered < 9200, `delivered ${delivered}`);
    const counters = sim.network.typeCounters.get('ping')!;
    assert.equal(counters.sent, 10_000);
    assert.equal(counters.delivered + counters.dropped, 10_000);
  });

  it('duplicates messages with the configured probability', () => {
    const { sim, inboxes } = cluster(3, ['a', 'b']);
    sim.network.setFaults({ duplicateProbability: 1 });
    inboxes.get('a')!.env!.network.send('b', { type: 'x' });
    sim.runFor(100);
    assert.equal(inboxes.get('b')!.received.length, 2);
  });

  it('reorders messages through latency jitter', () => {
    const { sim, inboxes } = cluster(5, ['a', 'b']);
    sim.network.setDefaultLatency({ kind: 'uniform', minMs: 1, maxMs: 50 });
    for (let i = 0; i < 20; i++) inboxes.get('a')!.env!.network.send('b', { type: `m${i}` });
    sim.runFor(100);
    const order = inboxes.get('b')!.received.map((r) => r.type);
    assert.equal(order.length, 20);
    assert.notDeepEqual(order, order.slice().sort((x, y) => Number(x.slice(1)) - Number(y.slice(1))));
  });

  it('rejects probabilities outside [0, 1]', () => {
    const { sim } = cluster(1, ['a']);
    assert.throws(() => sim.network.setFaults({ lossProbability: 1.5 }), /probability/);
  });
});

describe('Hostile messages (the network treats a message as the sender\'s data)', () => {
  it('counts a message under its own type read as plain data (the label its trace records too), never running a getter, however often it is dropped or delivered', () => {
    const sim = new Simulation({ seed: 1 });
    let received = 0;
    sim.addNode('a', () => ({ onMessage: () => undefined }));
    sim.addNode('b', () => ({ onMessage: () => void received++ }));
    let ran = 0;
    const trapped = Object.defineProperty({}, 'type', { enumerable: true, get: () => { ran++; return 'raft.append'; } });
    sim.network.setFaults({ lossProbability: 0, duplicateProbability: 1 });
    sim.network.send('a', 'b', trapped as Message);
    sim.runFor(100);
    sim.network.isolate('b');
    sim.network.send('a', 'b', trapped as Message);
    sim.runFor(100);
    assert.equal(ran, 0, 'the getter never ran');
    assert.equal(received, 2, 'the first message and its duplicate were delivered');
    assert.deepEqual(sim.network.typeCounters.get('(no type)'), { sent: 2, delivered: 2, dropped: 1, duplicated: 1 });
    assert.equal(sim.network.typeCounters.has('raft.append'), false);
  });

  it('labels what is not a plain message, or whose type is too long, and counts at most 1,024 types one by one', () => {
    assert.equal(messageTypeOf({ type: 'swim.ping' }), 'swim.ping');
    for (const message of [null, 'swim.ping', 7, {}, { type: 7 }, Object.create({ type: 'inherited' })]) assert.equal(messageTypeOf(message), '(no type)');
    assert.equal(messageTypeOf({ type: 'x'.repeat(128) }), 'x'.repeat(128));
    assert.equal(messageTypeOf({ type: 'x'.repeat(129) }), '(type too long)');
    const sim = new Simulation({ seed: 1 });
    sim.addNode('a', () => ({ onMessage: () => undefined }));
    for (let index = 0; index < 1_100; index++) sim.network.send('a', 'a', { type: `invented-${index}` });
    assert.equal(sim.network.typeCounters.size, 1_025, '1,024 types, then one count for the rest');
    assert.equal(sim.network.typeCounters.get('(other types)')?.sent, 1_100 - 1_024);
  });
});

describe('Isolation', () => {
  it('cuts a node off from nodes that join after it was isolated, until the network heals', () => {
    const { sim, inboxes } = cluster(1, ['a', 'b']);
    sim.network.isolate('a');
    const late: string[] = [];
    sim.addNode('late', (env) => {
      env.network.send('a', { type: 'hello' });
      return { onMessage: (from) => late.push(from) };
    });
    inboxes.get('a')!.env!.network.send('late', { type: 'hello' });
    sim.runFor(100);
    assert.equal(inboxes.get('a')!.received.length, 0);
    assert.deepEqual(late, []);
    sim.network.heal();
    inboxes.get('a')!.env!.network.send('late', { type: 'hello' });
    sim.runFor(100);
    assert.deepEqual(late, ['a']);
  });
});
