import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ClientResult, GeoClientProcess } from '../../src/georep/client';
import type { Message, NodeId } from '../../src/runtime/ports';
import { Simulation } from '../../src/sim';

/**
 * The georeplication client (src/georep/client.ts) takes an answer only from a node of its
 * region that the request went to, as on a connection: any process could otherwise answer in
 * the region's place.
 */
describe('Georeplication client: answers come from the node asked', () => {
  it("ignores a stranger's answer and another node's, and takes the answer of the node asked", () => {
    const sim = new Simulation({ seed: 9 });
    const requests: { from: NodeId; id: number }[] = [];
    for (const id of ['r1', 'r2']) sim.addNode(id, () => ({ onMessage: (from: NodeId, message: Message) => void (id === 'r1' && requests.push({ from, id: (message as unknown as { id: number }).id })) }));
    let client: GeoClientProcess | undefined;
    sim.addNode('geo-client', (env) => {
      client = new GeoClientProcess(env, ['r1', 'r2'], 1_000);
      return { onMessage: (from: NodeId, message: Message) => client!.onMessage(from, message) };
    });
    sim.addNode('rogue', () => ({ onMessage: () => undefined }));
    const results: ClientResult[] = [];
    client!.call({ keyspace: 'k', key: 'x' }, (result) => results.push(result));
    sim.runFor(10);
    assert.equal(requests.length, 1, 'the read went to r1');
    const answer = (value: string) => ({ type: 'geo.response', id: requests[0].id, ok: true, region: 'r', value, timestamp: { physicalMs: 0, logical: 0, node: 'r1' }, context: {} });
    sim.network.send('rogue', 'geo-client', answer('forged by a stranger') as never);
    sim.network.send('r2', 'geo-client', answer('from a node not asked') as never);
    sim.runFor(10);
    assert.equal(results.length, 0, 'neither forged answer was taken');
    sim.network.send('r1', 'geo-client', answer('real') as never);
    sim.runFor(10);
    assert.equal(results.length, 1);
    assert.equal((results[0] as { value?: unknown }).value, 'real');
  });
});
