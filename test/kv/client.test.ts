import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KvClient, type KvClientOptions, kvClientDefaults } from '../../src/kv/client';
import { type HistoryModelName, HistoryRecorder } from '../../src/kv/history';
import { isKvResponse } from '../../src/kv/protocol';
import type { Message } from '../../src/runtime/ports';
import { createShardMap, emptyShardMap, setPreferredLeader, type ShardMap } from '../../src/sharding/shard-map';
import { FakeCluster, FakeServer, FakeShardGroup, MapSource } from './fake-cluster';

const servers = ['n1', 'n2', 'n3'];

function oneShardMap(): ShardMap {
  return createShardMap(1, [{ id: 'shard-1', slots: [{ start: 0, endExclusive: 1024 }], replicas: servers, preferredLeader: 'n1' }]);
}

/** Three servers holding one shard led by n1, and client c1 recording a history (register model unless told). */
function setup(options: { sessionsMax?: number; seed?: number; model?: HistoryModelName; client?: Partial<KvClientOptions> } = {}) {
  const cluster = new FakeCluster();
  const source = new MapSource(oneShardMap());
  const group = new FakeShardGroup('n1', 1, options.sessionsMax);
  const server = Object.fromEntries(servers.map((id) => [id, new FakeServer(cluster, id, (request) => (request.shardId === 'shard-1' ? group : undefined))]));
  const history = new HistoryRecorder({ model: options.model ?? 'register' });
  const addClient = (clientId: string) => {
    const client = new KvClient(cluster.env(clientId, options.seed), { clientId, shardMapSource: source.source, history, ...options.client });
    cluster.attach(clientId, (from, message) => client.onMessage(from, message));
    return client;
  };
  return { cluster, source, group, server, history, client: addClient('c1'), addClient };
}

describe('KvClient: the happy path', () => {
  it('sends to the preferred leader with increasing sequences and records invoke/ok', () => {
    const { cluster, client, history } = setup();
    const put = client.put('x', '1');
    const get = client.get('x');
    cluster.runUntil(() => get.done);
    assert.deepEqual([put.outcome, put.result], ['ok', { kind: 'put' }]);
    assert.deepEqual([get.outcome, get.result], ['ok', { kind: 'get', value: '1' }]);
    assert.deepEqual(cluster.requestsTo('n1').map((request) => [request.clientId, request.sequence]), [['c1@shard-1', 1], ['c1@shard-1', 2]]);
    assert.deepEqual(history.events.map((event) => `${event.type}:${event.f}`), ['invoke:write', 'ok:write', 'invoke:read', 'ok:read']);
    assert.deepEqual(history.timesMs, [0, 2, 2, 4]);
  });

  it('runs queued operations one at a time, in order, and calls callbacks inside virtual time', () => {
    const { cluster, client, history } = setup({ model: 'kv' });
    const completed: string[] = [];
    const operations = ['a', 'b', 'c'].map((value) => client.append('x', value, (operation) => completed.push(`${value}@${operation.completedAtMs}`)));
    assert.equal(client.queuedCount, 2);
    cluster.runUntil(() => operations.every((operation) => operation.done));
    assert.deepEqual(completed, ['a@2', 'b@4', 'c@6']);
    assert.deepEqual(operations.map((operation) => operation.sequence), [1, 2, 3]);
    assert.deepEqual(operations[2].result, { kind: 'append', value: 'abc' });
    // Strict alternation: the recorder itself throws on a second invoke while one is outstanding.
    assert.deepEqual(history.events.map((event) => event.type), ['invoke', 'ok', 'invoke', 'ok', 'invoke', 'ok']);
  });

  it('a write after a read on the same shard continues the session (a read is not logged, so it uses no sequence)', () => {
    const { cluster, client } = setup();
    const get = client.get('x');
    const put = client.put('x', '1');
    cluster.runUntil(() => put.done);
    assert.equal(get.outcome, 'ok');
    assert.equal(put.outcome, 'ok', put.reason);
    assert.deepEqual(cluster.requestsTo('n1').map((request) => [request.operation.kind, request.sequence]), [['get', 1], ['put', 1]]);
  });

  it('a cas whose compare fails ends `fail` with the value it saw', () => {
    const { cluster, client } = setup();
    client.put('x', 'old');
    const cas = client.cas('x', 'other', 'new');
    cluster.runUntil(() => cas.done);
    assert.equal(cas.outcome, 'fail');
    assert.deepEqual(cas.result, { kind: 'cas', ok: false, actual: 'old' });
  });
});

describe('KvClient: answers come from the node asked', () => {
  it('ignores an answer from a node it did not ask, even one that names its session, sequence and request, as on a connection', () => {
    const { cluster, client } = setup();
    client.put('x', 'real');
    const get = client.get('x');
    // The get's request (id 2, sequence 2) goes to n1 at 2 ms and its answer arrives at 4 ms;
    // forged answers naming it arrive first, at 3 ms, from a stranger and from another replica.
    cluster.scheduler.schedule(2, () => {
      for (const forger of ['rogue', 'n2']) {
        cluster.env(forger).network.send('c1', { type: 'kv.response', requestId: 2, clientId: 'c1@shard-1', sequence: 2, status: 'ok', result: { kind: 'get', value: 'forged' } } as Message);
      }
    });
    cluster.runUntil(() => get.done);
    assert.deepEqual([get.outcome, get.result], ['ok', { kind: 'get', value: 'real' }]);
    assert.equal(client.answersNotAsked, 2);
  });

  it('reads nothing of a message from a node it did not ask: a getter in it never runs', () => {
    const { cluster, client } = setup();
    let ran = 0;
    const get = client.get('x');
    const trapped = Object.defineProperty({}, 'type', { enumerable: true, get: () => (ran++, 'kv.response') });
    cluster.env('rogue').network.send('c1', trapped as Message);
    cluster.runUntil(() => get.done);
    assert.equal(get.outcome, 'ok');
    assert.equal(ran, 0);
    assert.equal(client.answersNotAsked, 1);
  });
});

describe('KvClient: routing', () => {
  it('follows a not-leader hint at once and remembers the leader for the next operation', () => {
    const { cluster, client, group } = setup();
    group.leader = 'n2';
    const first = client.put('x', '1');
    cluster.runUntil(() => first.done);
    const second = client.put('x', '2');
    cluster.runUntil(() => second.done);
    assert.equal(first.outcome, 'ok');
    assert.equal(first.attempts, 2);
    assert.equal(first.completedAtMs, 4, 'no back-off on a redirect with a hint');
    assert.equal(cluster.requestsTo('n1').length, 1);
    assert.equal(cluster.requestsTo('n2').length, 2);
  });

  it('without a hint, backs off and tries the next replica', () => {
    const { cluster, client, group, server } = setup();
    group.leader = 'n2';
    server.n1.knowsLeader = false;
    const put = client.put('x', '1');
    cluster.runUntil(() => put.done);
    assert.equal(put.outcome, 'ok');
    assert.deepEqual(cluster.requests.map((request) => cluster.sent.find((delivery) => delivery.message === request)!.to), ['n1', 'n2']);
    assert.ok(put.completedAtMs! > 4, 'waited before retrying');
  });

  it('bounds immediate redirects when stale hints point in a circle', () => {
    const { cluster, client } = setup({ client: { operationDeadlineMs: 1_000 } });
    // Replace n1 and n2 by servers that each believe the other leads.
    const believesN2 = new FakeShardGroup('n2', 1);
    const believesN1 = new FakeShardGroup('n1', 1);
    new FakeServer(cluster, 'n1', () => believesN2);
    new FakeServer(cluster, 'n2', () => believesN1);
    const put = client.put('x', '1');
    cluster.runUntil(() => put.done, 2_000);
    assert.equal(put.outcome, 'unknown');
    const requests = cluster.requests.length;
    assert.ok(requests < 60, `${requests} requests in one second`);
    assert.ok(cluster.traces.some((event) => event.kind === 'kv.client.retry' && String(event.detail?.reason).startsWith('redirected')));
  });

  it('on wrong-epoch refreshes the shard map and retries against the new placement', () => {
    const { cluster, client, group, source } = setup();
    source.map = setPreferredLeader(source.map, 'shard-1', 'n2');
    group.epoch = 2;
    group.leader = 'n2';
    const put = client.put('x', '1');
    cluster.runUntil(() => put.done);
    assert.equal(put.outcome, 'ok');
    assert.deepEqual(cluster.requests.map((request) => request.epoch), [1, 2]);
    assert.equal(cluster.requestsTo('n2').length, 1);
  });

  it('on wrong-shard refreshes the map and retries with the shard that now owns the key', () => {
    const { cluster, client, group, source } = setup();
    const renamed = createShardMap(2, [{ ...source.map.shards[0], id: 'shard-2' }]);
    for (const id of servers) new FakeServer(cluster, id, (request) => (request.shardId === 'shard-2' ? group : undefined));
    source.map = renamed;
    const put = client.put('x', '1');
    cluster.runUntil(() => put.done);
    assert.equal(put.outcome, 'ok');
    assert.deepEqual(cluster.requests.map((request) => request.shardId), ['shard-1', 'shard-2']);
  });

  it('after a time-out refreshes the map, so it finds a shard that moved off nodes that are now down', () => {
    const { cluster, client, group, source } = setup();
    const moved = ['n4', 'n5', 'n6'];
    for (const id of moved) new FakeServer(cluster, id, () => group);
    source.map = createShardMap(2, [{ ...source.map.shards[0], replicas: moved, preferredLeader: 'n4' }]);
    group.leader = 'n4';
    group.epoch = 2;
    cluster.dropRule = (delivery) => servers.includes(delivery.to);
    const put = client.put('x', '1');
    cluster.runUntil(() => put.done);
    assert.equal(put.outcome, 'ok');
    assert.deepEqual(cluster.requests.map((request) => request.epoch), [1, 2]);
  });

  it('when the map source lags the server, backs off until the newer map appears', () => {
    const { cluster, client, group, source } = setup();
    group.epoch = 2;
    const newer = setPreferredLeader(source.map, 'shard-1', 'n1');
    cluster.scheduler.schedule(100, () => (source.map = newer));
    const put = client.put('x', '1');
    cluster.runUntil(() => put.done);
    assert.equal(put.outcome, 'ok');
    assert.ok(put.completedAtMs! > 100);
    assert.ok(cluster.requests.filter((request) => request.epoch === 1).length >= 2);
  });
});

describe('KvClient: retries and outcomes', () => {
  it('retries a lost reply with the same (client, sequence); the server applies it once', () => {
    const { cluster, client, group, server } = setup({ model: 'kv' });
    let silenced = 0;
    server.n1.silenceRule = () => silenced++ === 0;
    const append = client.append('x', 'a');
    cluster.runUntil(() => append.done);
    assert.deepEqual([append.outcome, append.result], ['ok', { kind: 'append', value: 'a' }]);
    assert.equal(group.machine.read('x'), 'a', 'applied once');
    const attempts = cluster.requests;
    assert.ok(attempts.length >= 2);
    assert.ok(attempts.every((request) => request.clientId === 'c1@shard-1' && request.sequence === 1));
    assert.equal(new Set(attempts.map((request) => request.requestId)).size, attempts.length, 'each attempt has its own request id');
    assert.ok(append.completedAtMs! >= kvClientDefaults.requestTimeoutMs);
  });

  it('duplicated messages neither apply twice nor complete an operation twice', () => {
    const { cluster, client, group } = setup({ model: 'kv' });
    cluster.duplicateRule = () => true;
    const operations = ['a', 'b', 'c'].map((value) => client.append('x', value));
    cluster.runUntil(() => operations.every((operation) => operation.done));
    cluster.scheduler.runFor(100);
    assert.equal(group.machine.read('x'), 'abc');
    assert.deepEqual(operations.map((operation) => operation.outcome), ['ok', 'ok', 'ok']);
  });

  it('ends `unknown` at the deadline when a request was sent but never answered', () => {
    const { cluster, client, server, group, history } = setup();
    server.n1.silenceRule = () => true;
    const put = client.put('x', '1');
    cluster.runUntil(() => put.done);
    assert.equal(put.outcome, 'unknown');
    assert.equal(put.completedAtMs, kvClientDefaults.operationDeadlineMs);
    assert.equal(group.machine.read('x'), '1', 'it did apply: exactly why the outcome is unknown and not fail');
    assert.equal(history.events.at(-1)!.type, 'info');
    assert.ok(cluster.requests.every((request) => request.sequence === 1));
  });

  it('ends `fail` when no request could be sent, and a failed cas is recorded as info', () => {
    const { cluster, client, source, history } = setup();
    source.map = emptyShardMap();
    const fresh = new KvClient(cluster.env('c2'), { clientId: 'c2', shardMapSource: source.source, history });
    const put = fresh.put('x', '1');
    cluster.runUntil(() => put.done);
    const cas = fresh.cas('x', null, '1');
    cluster.runUntil(() => cas.done);
    assert.deepEqual([put.outcome, cas.outcome], ['fail', 'fail']);
    assert.equal(cluster.requests.length, 0);
    assert.deepEqual(history.events.filter((event) => event.type !== 'invoke').map((event) => event.type), ['fail', 'info']);
    assert.equal(cas.sequence, 1, 'an unsent sequence is reused');
    assert.equal(client.sessionId, 'c1');
  });

  it('back-off grows exponentially with jitter from the node stream, within the deadline, reproducibly', () => {
    const run = (seed: number) => {
      const { cluster, client } = setup({ seed });
      cluster.dropRule = () => true;
      const put = client.put('x', '1');
      cluster.runUntil(() => put.done);
      const delays = cluster.traces.filter((event) => event.kind === 'kv.client.retry').map((event) => event.detail!.delayMs as number);
      return { put, delays, sendTimes: cluster.sent.map((delivery) => delivery.timeMs) };
    };
    const first = run(1);
    assert.ok(first.delays.length >= 8);
    for (const [index, delayMs] of first.delays.entries()) {
      const ceilingMs = Math.min(kvClientDefaults.backoffMaxMs, kvClientDefaults.backoffInitialMs * 2 ** index);
      assert.ok(delayMs >= ceilingMs / 2 && delayMs <= ceilingMs, `delay ${index}: ${delayMs} outside [${ceilingMs / 2}, ${ceilingMs}]`);
    }
    assert.equal(first.put.outcome, 'unknown');
    assert.ok(first.sendTimes.every((timeMs) => timeMs < kvClientDefaults.operationDeadlineMs));
    assert.deepEqual(run(1).sendTimes, first.sendTimes, 'same seed, same schedule');
    assert.notDeepEqual(run(2).sendTimes, first.sendTimes, 'jitter comes from the seed');
  });

  it('ignores a late rejection of an earlier attempt while a newer attempt is outstanding', () => {
    const { cluster, client, group } = setup({ client: { requestTimeoutMs: 25 } });
    group.leader = 'n2';
    // n1's not-leader answer arrives at 42 ms, after the time-out at 25 ms and the retry
    // to n2 at about 32 ms, whose answer arrives at about 54 ms. Following the stale
    // redirect would send a third request.
    cluster.extraLatencyRule = (delivery) => (!isKvResponse(delivery.message) ? 0 : delivery.from === 'n1' ? 40 : 20);
    const put = client.put('x', '1');
    cluster.runUntil(() => put.done);
    assert.equal(put.outcome, 'ok');
    assert.deepEqual(cluster.requests.map((request) => cluster.sent.find((delivery) => delivery.message === request)!.to), ['n1', 'n2']);
    assert.ok(put.completedAtMs! > 42);
  });
});

describe('KvClient: sessions', () => {
  it('an evicted session makes the next operation unknown and the client opens a new session', () => {
    const { cluster, client, addClient, group } = setup({ sessionsMax: 1, model: 'kv' });
    const first = client.append('x', 'a');
    cluster.runUntil(() => first.done);
    const other = addClient('c2').append('x', 'b'); // evicts c1's session
    cluster.runUntil(() => other.done);
    const expired = client.append('x', 'c');
    cluster.runUntil(() => expired.done);
    const fresh = client.append('x', 'd');
    cluster.runUntil(() => fresh.done);
    assert.deepEqual([expired.outcome, expired.reason], ['unknown', 'the session expired on the server']);
    assert.deepEqual([fresh.outcome, fresh.clientId, fresh.sequence], ['ok', 'c1@shard-1#1', 1]);
    assert.equal(group.machine.read('x'), 'abd');
  });

  it('a stale-request (an earlier incarnation used the id) ends unknown and moves to a new session', () => {
    const { cluster, client, group } = setup();
    for (let sequence = 1; sequence <= 3; sequence++) group.machine.apply({ clientId: 'c1@shard-1', sequence, operation: { kind: 'get', key: 'x' } }, sequence);
    const stale = client.put('x', '1');
    cluster.runUntil(() => stale.done);
    const next = client.put('x', '2');
    cluster.runUntil(() => next.done);
    assert.equal(stale.outcome, 'unknown');
    assert.equal(group.machine.read('x'), '2');
    assert.deepEqual([next.outcome, next.clientId, next.sequence], ['ok', 'c1@shard-1#1', 1]);
  });

  it('after an unknown outcome in a session the server never confirmed, starts a new session', () => {
    const { cluster, client } = setup({ client: { operationDeadlineMs: 500 } });
    cluster.dropRule = () => true;
    const lost = client.put('x', '1');
    cluster.runUntil(() => lost.done);
    cluster.dropRule = () => false;
    const next = client.put('x', '2');
    cluster.runUntil(() => next.done);
    assert.equal(lost.outcome, 'unknown');
    assert.deepEqual([next.outcome, next.clientId, next.sequence], ['ok', 'c1@shard-1#1', 1]);
  });

  it('after an unknown outcome in a confirmed session, continues it with the next sequence', () => {
    const { cluster, client } = setup({ client: { operationDeadlineMs: 500 } });
    const confirmed = client.put('x', '0');
    cluster.runUntil(() => confirmed.done);
    cluster.dropRule = () => true;
    const lost = client.put('x', '1');
    cluster.runUntil(() => lost.done);
    cluster.dropRule = () => false;
    const next = client.put('x', '2');
    cluster.runUntil(() => next.done);
    assert.deepEqual([next.outcome, next.clientId, next.sequence], ['ok', 'c1@shard-1', 3]);
  });
});

describe('KvClient: argument checks', () => {
  it('rejects malformed operations and operations the history model cannot express, at the call', () => {
    const { client } = setup();
    assert.throws(() => client.put('x', 1 as unknown as string), /string value/);
    assert.throws(() => client.append('x', 'a'), /register history model cannot record append operations/);
    assert.equal(client.busy, false);
  });
});
