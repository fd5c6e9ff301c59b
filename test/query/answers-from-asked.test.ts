import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Row } from '../../src/query';
import { load, queryCluster, runQuery } from './fixture';
import { tableT } from './generators';

/**
 * A query client takes a fragment's rows (or its refusal) only from the node the fragment went
 * to, as on a connection (src/query/client.ts): otherwise any process could answer in a shard's
 * place, and fail the query or hand it rows no shard holds.
 */
describe('Query client: answers come from the node asked', () => {
  it('a query is not failed by forged refusals that name its fragment requests', () => {
    const { sim, engine } = queryCluster({ seed: 17, shards: 2 });
    engine.createTable(tableT);
    const rows: Row[] = Array.from({ length: 40 }, (_, index) => [index + 1, index % 3, index, 'x', true]);
    load(sim, engine, tableT, rows);
    sim.addNode('rogue', (env) => {
      // Every 1 ms for a second: refusals naming the first 60 fragment requests of the engine's client.
      const round = (left: number): void => {
        for (let request = 1; request <= 60; request++) {
          env.network.send('query-client:queries', { type: 'query.fragment-response', requestId: `query-client:queries/${request}`, reply: { status: 'failed', reason: 'forged by a stranger' } } as never);
        }
        if (left > 0) env.timers.setTimer(1, () => round(left - 1), 'rogue.round');
      };
      round(1_000);
      return { onMessage: () => undefined };
    });
    const run = runQuery(sim, engine, 'SELECT COUNT(*) FROM t');
    assert.equal(run.error?.message, undefined);
    assert.deepEqual(run.rows, [[40]]);
  });

  it("a query is not failed by a refusal from a server it asked for another fragment, not for this one", () => {
    const { sim, engine } = queryCluster({ seed: 17, shards: 3 });
    engine.createTable(tableT);
    const rows: Row[] = Array.from({ length: 40 }, (_, index) => [index + 1, index % 3, index, 'x', true]);
    load(sim, engine, tableT, rows);
    // Each fragment request is answered at once, with a refusal, by a server the client asked
    // earlier (for another fragment) in the fragment's target's place.
    const asked = new Set<string>();
    const send = sim.network.send.bind(sim.network);
    let forged = 0;
    sim.network.tap((from, to, message) => {
      const request = message as unknown as { type: string; requestId: string };
      if (from !== 'query-client:queries' || request.type !== 'query.fragment-request') return;
      const other = [...asked].find((node) => node !== to);
      asked.add(to);
      if (other === undefined) return;
      forged++;
      send(other, from, { type: 'query.fragment-response', requestId: request.requestId, reply: { status: 'failed', reason: 'forged by a server not asked' } } as never);
    });
    const run = runQuery(sim, engine, 'SELECT COUNT(*) FROM t');
    assert.ok(forged > 0, 'a forged refusal was sent');
    assert.equal(run.error?.message, undefined);
    assert.deepEqual(run.rows, [[40]]);
  });
});
