import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KvClient } from '../../src/kv/client';
import { type CompletionOutcome, type HistoryModelName, HistoryRecorder } from '../../src/kv/history';
import type { KvOperation, KvResult } from '../../src/kv/operation';
import { createShardMap } from '../../src/sharding/shard-map';
import { SeededRandom } from '../../src/sim/random';
import { isLinearizable, parseConformanceHistory } from './conformance-format';
import { FakeCluster, FakeServer, FakeShardGroup, MapSource } from './fake-cluster';
import { CONFORMANCE_DIRECTORY } from '../repository';

const conformanceDirectory = CONFORMANCE_DIRECTORY;

/** The JSON line one operation and completion produce. */
function lines(model: HistoryModelName, operation: KvOperation, outcome: CompletionOutcome, result?: KvResult): string[] {
  const recorder = new HistoryRecorder({ model });
  recorder.invoke(7, operation, 0);
  recorder.complete(7, outcome, result, 1);
  return recorder.toJsonLines().trimEnd().split('\n');
}

describe('History recorder: mapping onto the register model', () => {
  const cases: [string, KvOperation, CompletionOutcome, KvResult | undefined, string[]][] = [
    ['get → read, null = absent', { kind: 'get', key: 'k' }, 'ok', { kind: 'get', value: null }, [
      '{"process":7,"type":"invoke","f":"read","key":"k","value":null}',
      '{"process":7,"type":"ok","f":"read","key":"k","value":null}',
    ]],
    ['put → write', { kind: 'put', key: 'k', value: 'v' }, 'ok', { kind: 'put' }, [
      '{"process":7,"type":"invoke","f":"write","key":"k","value":"v"}',
      '{"process":7,"type":"ok","f":"write","key":"k","value":"v"}',
    ]],
    ['delete → write null', { kind: 'delete', key: 'k' }, 'ok', { kind: 'delete' }, [
      '{"process":7,"type":"invoke","f":"write","key":"k","value":null}',
      '{"process":7,"type":"ok","f":"write","key":"k","value":null}',
    ]],
    ['cas ok', { kind: 'cas', key: 'k', expected: null, value: 'v' }, 'ok', { kind: 'cas', ok: true }, [
      '{"process":7,"type":"invoke","f":"cas","key":"k","value":[null,"v"]}',
      '{"process":7,"type":"ok","f":"cas","key":"k","value":[null,"v"]}',
    ]],
    ['cas compare failed → fail', { kind: 'cas', key: 'k', expected: 'a', value: 'v' }, 'fail', { kind: 'cas', ok: false, actual: 'b' }, [
      '{"process":7,"type":"invoke","f":"cas","key":"k","value":["a","v"]}',
      '{"process":7,"type":"fail","f":"cas","key":"k","value":["a","v"]}',
    ]],
    ['cas never sent → info, not a compare observation', { kind: 'cas', key: 'k', expected: 'a', value: 'v' }, 'fail', undefined, [
      '{"process":7,"type":"invoke","f":"cas","key":"k","value":["a","v"]}',
      '{"process":7,"type":"info","f":"cas","key":"k"}',
    ]],
    ['write never sent → fail', { kind: 'put', key: 'k', value: 'v' }, 'fail', undefined, [
      '{"process":7,"type":"invoke","f":"write","key":"k","value":"v"}',
      '{"process":7,"type":"fail","f":"write","key":"k","value":"v"}',
    ]],
    ['unknown → info', { kind: 'put', key: 'k', value: 'v' }, 'unknown', undefined, [
      '{"process":7,"type":"invoke","f":"write","key":"k","value":"v"}',
      '{"process":7,"type":"info","f":"write","key":"k"}',
    ]],
  ];
  for (const [name, operation, outcome, result, expected] of cases) {
    it(name, () => assert.deepEqual(lines('register', operation, outcome, result), expected));
  }

  it('refuses append, which a register cannot express', () => {
    assert.throws(() => new HistoryRecorder({ model: 'register' }).invoke(1, { kind: 'append', key: 'k', value: 'v' }, 0), /cannot record append/);
  });
});

describe('History recorder: mapping onto the kv model', () => {
  it('get of an absent key reads "", put and append carry their argument, delete is put ""', () => {
    assert.deepEqual(lines('kv', { kind: 'get', key: 'k' }, 'ok', { kind: 'get', value: null }), [
      '{"process":7,"type":"invoke","f":"get","key":"k"}',
      '{"process":7,"type":"ok","f":"get","key":"k","value":""}',
    ]);
    assert.deepEqual(lines('kv', { kind: 'append', key: 'k', value: 'v' }, 'ok', { kind: 'append', value: 'xv' })[1], '{"process":7,"type":"ok","f":"append","key":"k","value":"v"}');
    assert.deepEqual(lines('kv', { kind: 'delete', key: 'k' }, 'ok', { kind: 'delete' })[0], '{"process":7,"type":"invoke","f":"put","key":"k","value":""}');
  });

  it('refuses cas, which the kv model cannot express', () => {
    assert.throws(() => new HistoryRecorder({ model: 'kv' }).assertRecordable({ kind: 'cas', key: 'k', expected: null, value: 'v' }), /cannot record cas/);
  });
});

describe('History recorder: invariants and output', () => {
  it('enforces one outstanding operation per process and matching completions', () => {
    const recorder = new HistoryRecorder({ model: 'register' });
    assert.throws(() => recorder.complete(1, 'ok', { kind: 'put' }, 0), /no operation outstanding/);
    recorder.invoke(1, { kind: 'put', key: 'k', value: 'v' }, 0);
    assert.throws(() => recorder.invoke(1, { kind: 'get', key: 'k' }, 0), /already has an operation outstanding/);
    assert.throws(() => recorder.complete(1, 'ok', { kind: 'get', value: null }, 0), /cannot complete a put/);
    assert.throws(() => recorder.complete(1, 'ok', undefined, 0), /needs a successful result/);
  });

  it('toJsonLines round-trips through JSON.parse to the recorded events; times stay in a parallel list', () => {
    const recorder = new HistoryRecorder({ model: 'register' });
    recorder.invoke('c1', { kind: 'put', key: 'a', value: '1' }, 5);
    recorder.invoke('c2', { kind: 'get', key: 'b' }, 6);
    recorder.complete('c2', 'ok', { kind: 'get', value: null }, 8);
    recorder.complete('c1', 'unknown', undefined, 9);
    const text = recorder.toJsonLines();
    assert.ok(text.endsWith('\n'));
    assert.deepEqual(text.trimEnd().split('\n').map((line) => JSON.parse(line)), recorder.events);
    assert.deepEqual(parseConformanceHistory(text, 'register'), recorder.events);
    assert.deepEqual(recorder.timesMs, [5, 6, 8, 9]);
  });

  it('splits per key, keeping order and times', () => {
    const recorder = new HistoryRecorder({ model: 'kv' });
    recorder.invoke(1, { kind: 'put', key: 'a', value: '1' }, 1);
    recorder.invoke(2, { kind: 'append', key: 'b', value: '2' }, 2);
    recorder.complete(1, 'ok', { kind: 'put' }, 3);
    recorder.complete(2, 'ok', { kind: 'append', value: '2' }, 4);
    const perKey = recorder.splitByKey();
    assert.deepEqual([...perKey.keys()], ['a', 'b']);
    assert.deepEqual(perKey.get('a')!.timesMs, [1, 3]);
    assert.deepEqual(perKey.get('b')!.events.map((event) => event.type), ['invoke', 'ok']);
  });

  it('the test validator accepts every published conformance history (so it matches the format)', (context) => {
    if (!existsSync(conformanceDirectory)) return context.skip('shared/conformance is not beside the checkout');
    const verdicts = JSON.parse(readFileSync(join(conformanceDirectory, 'verdicts.json'), 'utf8')) as Record<string, { model: 'register' | 'kv'; events: number }>;
    for (const [file, verdict] of Object.entries(verdicts)) {
      const events = parseConformanceHistory(readFileSync(join(conformanceDirectory, file), 'utf8'), verdict.model);
      assert.equal(events.length, verdict.events, file);
    }
  });

  it('the brute-force checker used below rejects non-linearizable histories', () => {
    const staleRead = [
      { process: 1, type: 'invoke', f: 'write', value: '1' },
      { process: 1, type: 'ok', f: 'write', value: '1' },
      { process: 2, type: 'invoke', f: 'read', value: null },
      { process: 2, type: 'ok', f: 'read', value: null },
    ] as const;
    assert.equal(isLinearizable(staleRead, 'register'), false);
    const failedCasSawExpected = [
      { process: 1, type: 'invoke', f: 'cas', value: [null, '1'] },
      { process: 1, type: 'fail', f: 'cas', value: [null, '1'] },
    ] as const;
    assert.equal(isLinearizable(failedCasSawExpected, 'register'), false);
    const unknownWriteMayApply = [...staleRead.slice(0, 1), ...staleRead.slice(2), { process: 1, type: 'info', f: 'write' }] as const;
    assert.equal(isLinearizable(unknownWriteMayApply, 'register'), true);
  });
});

/** Three clients on two keys against a lossy, duplicating, jittery network. */
function recordWorkload(seed: number, model: HistoryModelName): { history: HistoryRecorder; outcomes: string[] } {
  const cluster = new FakeCluster();
  const random = new SeededRandom(seed, 'workload');
  const source = new MapSource(createShardMap(1, [{ id: 'shard-1', slots: [{ start: 0, endExclusive: 1024 }], replicas: ['n1', 'n2'], preferredLeader: 'n1' }]));
  const group = new FakeShardGroup(random.pick(['n1', 'n2']), 1);
  for (const id of ['n1', 'n2']) new FakeServer(cluster, id, () => group);
  cluster.dropRule = () => random.chance(0.25);
  cluster.duplicateRule = () => random.chance(0.1);
  cluster.extraLatencyRule = () => random.int(30);
  const history = new HistoryRecorder({ model });
  const operations = ['c1', 'c2', 'c3'].flatMap((clientId, index) => {
    const client = new KvClient(cluster.env(clientId, seed + index), { clientId, shardMapSource: source.source, history, requestTimeoutMs: 40, operationDeadlineMs: 150 });
    cluster.attach(clientId, (from, message) => client.onMessage(from, message));
    return Array.from({ length: 4 }, () => client.submit(randomOperation(random, model)));
  });
  cluster.runUntil(() => operations.every((operation) => operation.done), 60_000);
  return { history, outcomes: operations.map((operation) => operation.outcome) };
}

function randomOperation(random: SeededRandom, model: HistoryModelName): KvOperation {
  const key = random.pick(['a', 'b']);
  const value = random.pick(['1', '2', '3']);
  const kinds = model === 'register' ? (['get', 'put', 'delete', 'cas'] as const) : (['get', 'put', 'append', 'delete'] as const);
  const kind = random.pick(kinds);
  if (kind === 'get' || kind === 'delete') return { kind, key };
  if (kind === 'cas') return { kind, key, expected: random.pick([null, '1', '2']), value };
  return { kind, key, value };
}

describe('Recorded client histories end to end', () => {
  for (const model of ['register', 'kv'] as const) {
    it(`parse as the conformance format and are linearizable (${model} model, 40 seeds)`, () => {
      const outcomes = new Set<string>();
      for (let seed = 1; seed <= 40; seed++) {
        const { history, outcomes: seen } = recordWorkload(seed, model);
        seen.forEach((outcome) => outcomes.add(outcome));
        const events = parseConformanceHistory(history.toJsonLines(), model);
        assert.equal(events.length, 24, `seed ${seed}: every operation invoked and completed`);
        assert.ok(isLinearizable(events, model), `seed ${seed}: not linearizable:\n${history.toJsonLines()}`);
      }
      assert.ok(outcomes.has('ok') && outcomes.has('unknown'), `the faults produced both outcomes, got ${[...outcomes]}`);
    });
  }
});
