import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PhantomCluster } from '../../src/api';
import { serverWireRules } from '../../src/api/wire-rules';
import { NodeRuntime } from '../../src/runtime/node-runtime';
import type { Message, NodeId } from '../../src/runtime/ports';
import { Simulation } from '../../src/sim';
import { TransactionSystem } from '../../src/api/transaction-system';
import { fuzzRuns, fuzzSeed } from './fuzz-runs';
import { describeValue, paths, poison, withValue } from './fuzz-messages';

/**
 * Every service handler of a server node (membership, Raft transport, key-value,
 * transactions) under random, malformed and truncated messages from an admitted peer
 * (issue 15, "Fuzzed inputs"; FoundationDB and TigerBeetle: never trust a message).
 *
 * The templates are real traffic: the first message of each type the cluster sent while
 * it formed, elected, served a write, a read and a transaction. Properties:
 * - a message with a field replaced by something no message can hold (a symbol, a
 *   function, a bigint, a Map, NaN, a string of 2 MB) is dropped at the boundary and
 *   counted, changes nothing on the node and makes it send nothing;
 * - any other mutation (fields deleted or replaced by arbitrary values, keys truncated,
 *   random objects under a real type) never throws; if it is dropped, nothing changed.
 * Afterwards the cluster still serves writes, and Raft's safety checker saw no violation.
 */

const RUNS = fuzzRuns(500);
const TARGET: NodeId = 'node-1';
const SENDER: NodeId = 'node-2';

interface Harness {
  readonly sim: Simulation;
  readonly cluster: PhantomCluster;
  readonly templates: Map<string, Record<string, unknown>>;
}

function buildCluster(): Harness {
  const sim = new Simulation({ seed: 1515 });
  const cluster = new PhantomCluster(sim, { clusterName: 'fuzz', joinToken: 'token' });
  const templates = new Map<string, Record<string, unknown>>();
  const real = new Map<string, Record<string, unknown>>();
  // Keep the first message of each type that SENDER really sent TARGET, and the first of each
  // type that crossed the network towards any server node, re-addressed as from SENDER. The
  // real one is preferred: a re-addressed Raft message can claim for SENDER a leadership it
  // never had (another node's heartbeat of a term the target leads), which no correct peer sends.
  const untap = sim.network.tap((from: NodeId, to: NodeId, message: Message): void => {
    if (from === SENDER && to === TARGET && !real.has(message.type)) real.set(message.type, message as unknown as Record<string, unknown>);
    if (to.startsWith('node-') && !templates.has(message.type)) templates.set(message.type, asFromSender(message as unknown as Record<string, unknown>));
  });
  for (let index = 1; index <= 3; index++) cluster.addNode(`node-${index}`, { seeds: index === 1 ? [] : ['node-1'] });
  sim.runUntil(() => cluster.liveMembers().length === 3 && cluster.agreement(), { withinMs: 10_000, waitingFor: 'three members' });
  cluster.database.create({ shards: 2, replicationFactor: 3 });
  sim.runUntil(() => cluster.database.shardIds().every((shard) => cluster.database.hasStableLeader(shard)), { withinMs: 5_000, waitingFor: 'leaders' });
  const client = cluster.database.client('fuzz-client');
  const write = client.put('k', 'v');
  sim.runUntil(() => write.done, { withinMs: 5_000, waitingFor: 'a write' });
  const read = client.get('k');
  sim.runUntil(() => read.done, { withinMs: 5_000, waitingFor: 'a read' });
  const txn = new TransactionSystem(sim, cluster.database).client('fuzz-txn').begin();
  txn.write('a', '1');
  txn.write('b', '2');
  txn.commit();
  sim.runUntil(() => txn.outcome === 'committed', { withinMs: 5_000, waitingFor: 'a transaction' });
  untap();
  for (const [type, message] of real) templates.set(type, message);
  return { sim, cluster, templates };
}

/**
 * A Raft message names its sender and receiver; a template is re-addressed from SENDER to
 * TARGET, and so is every group's message inside coalesced heartbeats.
 */
function asFromSender(message: Record<string, unknown>): Record<string, unknown> {
  if (Array.isArray(message.envelopes)) return { ...message, envelopes: (message.envelopes as Record<string, unknown>[]).map(asFromSender) };
  const inner = message.message as Record<string, unknown> | undefined;
  return inner !== undefined && 'from' in inner ? { ...message, message: { ...inner, from: SENDER, to: TARGET } } : message;
}

function runtimeOf(harness: Harness, node: NodeId): NodeRuntime {
  const instance = harness.sim.node(node).instance;
  assert.ok(instance instanceof NodeRuntime);
  return instance;
}

/** Everything a message could change on the node: Raft state, state machines, membership, transactions. */
function picture(harness: Harness, node: NodeId): string {
  const database = harness.cluster.database;
  const groups = database.shardIds().map((shard) => {
    const status = database.replica(shard, node)!.status();
    return [shard, status.term, status.role, status.leader, status.commitIndex, status.lastIndex, database.stateDigest(shard, node)];
  });
  const member = harness.cluster.member(node)!;
  const txn = runtimeOf(harness, node).service<import('../../src/txn/service').TxnService>('txn')!;
  return JSON.stringify({ groups, members: member.view().members, txn: [txn.coordinator.activeCount, txn.participant.parkedCount] });
}

describe(`Service handlers under malformed messages (fast-check, ${RUNS} cases per property)`, () => {
  const harness = buildCluster();
  const drops = harness.cluster.boundaryDrops;
  const types = [...harness.templates.keys()].sort();
  const runtime = runtimeOf(harness, TARGET);

  it('real traffic of every service passed the boundary (none was dropped while the cluster formed and served)', () => {
    assert.equal(drops.total, 0, drops.summary());
    for (const expected of ['swim.ping', 'swim.ack', 'join.request', 'raft.append', 'raft.vote-request', 'kv.request', 'txn.client-request', 'txn.shard-request', 'txn.shard-response']) {
      assert.ok(types.includes(expected), `no ${expected} was seen (templates: ${types.join(', ')})`);
    }
    const rules = serverWireRules();
    for (const [type, template] of harness.templates) {
      const rule = rules.get(type);
      assert.ok(rule, `the boundary has a rule for ${type}`);
      assert.equal(rule.check(template, type), undefined, `the template of ${type} is well formed`);
      assert.equal(rule.identity?.(template, SENDER, TARGET), undefined, `the template of ${type} names its sender`);
    }
  });

  /** Delivers as if from the admitted peer; returns whether the boundary dropped it. */
  function deliver(message: unknown): { dropped: boolean; changed: boolean; sent: number } {
    const before = picture(harness, TARGET);
    const dropsBefore = drops.byNode(TARGET);
    const sentBefore = harness.sim.network.totals().sent;
    runtime.onMessage(SENDER, message as Message);
    return { dropped: drops.byNode(TARGET) === dropsBefore + 1, changed: picture(harness, TARGET) !== before, sent: harness.sim.network.totals().sent - sentBefore };
  }

  it('a message with a poisoned field is dropped, counted, changes nothing and sends nothing', () => {
    const cases = fc.constantFrom(...types).chain((type) => {
      const template = harness.templates.get(type)!;
      return fc.tuple(fc.constant(type), fc.constantFrom(...paths(template)), poison);
    });
    fc.assert(
      fc.property(cases, ([type, path, value]) => {
        const outcome = deliver(withValue(harness.templates.get(type), path, value));
        assert.ok(outcome.dropped, `${type} with ${path.join('.')} poisoned was not dropped`);
        assert.ok(!outcome.changed, `${type} with ${path.join('.')} poisoned changed ${TARGET}`);
        assert.equal(outcome.sent, 0, `${type} with ${path.join('.')} poisoned made ${TARGET} send`);
      }),
      { numRuns: RUNS, seed: fuzzSeed(15) },
    );
  });

  it('truncated, emptied or randomised messages never throw, and a dropped one changes nothing', () => {
    const mutation = fc.constantFrom(...types).chain((type) => {
      const template = harness.templates.get(type)!;
      const keys = Object.keys(template);
      return fc.oneof(
        fc.constantFrom(...paths(template)).map((path) => withValue(template, path, undefined, true)),
        fc.tuple(fc.constantFrom(...paths(template)), fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true, withSet: true })).map(([path, value]) => withValue(template, path, value)),
        fc.nat({ max: keys.length }).map((count) => Object.fromEntries(keys.slice(0, count).map((key) => [key, template[key]]))),
        fc.dictionary(fc.string(), fc.anything()).map((fields) => ({ ...fields, type })),
        fc.anything(),
      );
    });
    fc.assert(
      fc.property(mutation, (message) => {
        const outcome = deliver(message);
        if (outcome.dropped) assert.ok(!outcome.changed && outcome.sent === 0, `a dropped message changed ${TARGET} or made it send: ${describeValue(message)}`);
      }),
      { numRuns: RUNS, seed: fuzzSeed(15) },
    );
  });

  it('a never-admitted sender is dropped for every type, before its message is even looked at', () => {
    fc.assert(
      fc.property(fc.constantFrom(...types.filter((type) => type.startsWith('raft.') || type.startsWith('txn.shard'))), (type) => {
        const before = drops.fromSender('intruder');
        runtime.onMessage('intruder', harness.templates.get(type) as unknown as Message);
        assert.equal(drops.fromSender('intruder'), before + 1);
      }),
      { numRuns: Math.min(RUNS, 100), seed: fuzzSeed(15) },
    );
  });

  it('afterwards the cluster still serves writes and Raft saw no safety violation', () => {
    const write = harness.cluster.database.client('after-fuzz').put('after', 'fuzz');
    harness.sim.runUntil(() => write.done, { withinMs: 10_000, waitingFor: 'a write after the fuzzing' });
    assert.equal(write.outcome, 'ok', write.reason);
    assert.equal(harness.cluster.database.safetyViolation(), null);
    harness.sim.dispose();
  });
});
