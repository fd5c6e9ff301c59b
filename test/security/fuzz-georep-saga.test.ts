import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GeoCluster } from '../../src/api/geo-cluster';
import { geoReplicaRules } from '../../src/georep/wire';
import { NodeRuntime } from '../../src/runtime/node-runtime';
import type { BoundaryCounters, WireRule } from '../../src/runtime/message-boundary';
import type { Message, NodeId } from '../../src/runtime/ports';
import { Simulation } from '../../src/sim';
import { SagaSystem } from '../../src/api/saga-system';
import { sagaCommandCheck, sagaResultCheck } from '../../src/txn/wire';
import { describeValue, paths, poison, withValue } from './fuzz-messages';
import { fuzzRuns, fuzzSeed } from './fuzz-runs';

/**
 * The georeplication replica and the saga services and orchestrator under malformed
 * messages from their own peers (issue 15, "Fuzzed inputs"). Same properties as
 * fuzz-handlers.test.ts: a poisoned field is dropped, counted, changes nothing and sends
 * nothing; any other mutation never throws, and a dropped one changes nothing.
 */

const RUNS = fuzzRuns(300);

interface Target {
  readonly sim: Simulation;
  readonly templates: Map<string, Record<string, unknown>>;
  readonly rules: ReadonlyMap<string, WireRule>;
  readonly drops: BoundaryCounters;
  readonly node: NodeId;
  /** Who the templates come from (as the boundary sees the sender). */
  readonly senderOf: (type: string) => NodeId;
  readonly picture: () => string;
}

/** Records the first message of each type sent to `node` while `drive` runs. */
function capture(sim: Simulation, node: NodeId, drive: () => void): Map<string, { from: NodeId; message: Record<string, unknown> }> {
  const seen = new Map<string, { from: NodeId; message: Record<string, unknown> }>();
  const untap = sim.network.tap((from: NodeId, to: NodeId, message: Message): void => {
    if (to === node && !seen.has(message.type)) seen.set(message.type, { from, message: message as unknown as Record<string, unknown> });
  });
  drive();
  untap();
  return seen;
}

function runtimeOf(sim: Simulation, node: NodeId): NodeRuntime {
  const instance = sim.node(node).instance;
  assert.ok(instance instanceof NodeRuntime);
  return instance;
}

function fuzzTarget(title: string, build: () => Target, expectedTypes: readonly string[]): void {
  describe(`${title} under malformed messages (fast-check, ${RUNS} cases per property)`, () => {
    const target = build();
    const types = [...target.templates.keys()].sort();
    const runtime = runtimeOf(target.sim, target.node);

    function deliver(type: string, message: unknown): { dropped: boolean; changed: boolean; sent: number } {
      const before = target.picture();
      const dropsBefore = target.drops.byNode(target.node);
      const sentBefore = target.sim.network.totals().sent;
      runtime.onMessage(target.senderOf(type), message as Message);
      return { dropped: target.drops.byNode(target.node) === dropsBefore + 1, changed: target.picture() !== before, sent: target.sim.network.totals().sent - sentBefore };
    }

    it('real traffic passed the boundary, and every template is well formed', () => {
      assert.equal(target.drops.total, 0, target.drops.summary());
      for (const type of expectedTypes) assert.ok(types.includes(type), `no ${type} was seen (templates: ${types.join(', ')})`);
      for (const [type, template] of target.templates) {
        const rule = target.rules.get(type)!;
        assert.equal(rule.check(template, type), undefined, `the template of ${type} is well formed`);
        assert.equal(rule.identity?.(template, target.senderOf(type), target.node), undefined, `the template of ${type} names its sender`);
      }
    });

    it('a message with a poisoned field is dropped, counted, changes nothing and sends nothing', () => {
      const cases = fc.constantFrom(...types).chain((type) => fc.tuple(fc.constant(type), fc.constantFrom(...paths(target.templates.get(type))), poison));
      fc.assert(
        fc.property(cases, ([type, path, value]) => {
          const outcome = deliver(type, withValue(target.templates.get(type), path, value));
          assert.ok(outcome.dropped, `${type} with ${path.join('.')} poisoned was not dropped`);
          assert.ok(!outcome.changed && outcome.sent === 0, `${type} with ${path.join('.')} poisoned changed ${target.node} or made it send`);
        }),
        { numRuns: RUNS, seed: fuzzSeed(15) },
      );
    });

    it('truncated or randomised messages never throw, and a dropped one changes nothing', () => {
      const mutation = fc.constantFrom(...types).chain((type) => {
        const template = target.templates.get(type)!;
        const keys = Object.keys(template);
        return fc.tuple(
          fc.constant(type),
          fc.oneof(
            fc.constantFrom(...paths(template)).map((path) => withValue(template, path, undefined, true)),
            fc.tuple(fc.constantFrom(...paths(template)), fc.anything({ withBigInt: true, withMap: true })).map(([path, value]) => withValue(template, path, value)),
            fc.nat({ max: keys.length }).map((count) => Object.fromEntries(keys.slice(0, count).map((key) => [key, template[key]]))),
            fc.dictionary(fc.string(), fc.anything()).map((fields) => ({ ...fields, type })),
          ),
        );
      });
      fc.assert(
        fc.property(mutation, ([type, message]) => {
          const outcome = deliver(type, message);
          if (outcome.dropped) assert.ok(!outcome.changed && outcome.sent === 0, `a dropped message changed ${target.node}: ${describeValue(message)}`);
        }),
        { numRuns: RUNS, seed: fuzzSeed(15) },
      );
    });

    it('a process that is not a configured peer is dropped for every type', () => {
      for (const type of types) {
        const before = target.drops.fromSender('intruder');
        runtime.onMessage('intruder', target.templates.get(type) as unknown as Message);
        assert.equal(target.drops.fromSender('intruder'), before + (target.rules.get(type)!.open ? 0 : 1), type);
      }
      target.sim.dispose();
    });
  });
}

fuzzTarget(
  'A georeplication replica',
  () => {
    const sim = new Simulation({ seed: 1516 });
    const geo = new GeoCluster(sim, {
      regions: ['us-east', 'eu-west'],
      latencies: [{ from: 'us-east', to: 'eu-west', latencyMs: 40 }],
    });
    for (const [name, kind] of [['profiles', 'lww'], ['likes', 'pn-counter'], ['carts', 'multi-value'], ['tags', 'or-set']] as const) geo.defineKeyspace(name, kind);
    const node = geo.replicaNode('us-east');
    const seen = capture(sim, node, () => {
      geo.perform('eu-west', 'profiles/ada', { kind: 'put', value: 'Ada' });
      geo.perform('eu-west', 'likes/post', { kind: 'increment', amount: 2 });
      geo.perform('eu-west', 'carts/ada', { kind: 'put', value: 'book' });
      geo.perform('eu-west', 'tags/post', { kind: 'add', element: 'db' });
      geo.perform('us-east', 'profiles/bob', { kind: 'put', value: 'Bob' });
      geo.perform('us-east', 'profiles/ada', undefined);
      sim.runFor(2_000);
      geo.replica('eu-west')!.startAntiEntropy('us-east', 'periodic');
      sim.runFor(2_000);
    });
    const templates = new Map([...seen].map(([type, { message }]) => [type, message]));
    const senders = new Map([...seen].map(([type, { from }]) => [type, from]));
    return {
      sim,
      templates,
      rules: geoReplicaRules(),
      drops: geo.boundaryDrops,
      node,
      senderOf: (type) => senders.get(type)!,
      picture: () => {
        const replica = geo.replica('us-east')!;
        const snapshot = geo.snapshots().find((entry) => entry.replica === 'us-east')!;
        return JSON.stringify({ values: [...snapshot.values], peers: replica.peerStatus(), lastSeq: replica.lastSeq });
      },
    };
  },
  ['geo.changes', 'geo.ack', 'geo.ping', 'geo.pong', 'geo.request', 'geo.ae.tree'],
);

fuzzTarget(
  'A saga service',
  () => {
    const sim = new Simulation({ seed: 1517 });
    const sagas = new SagaSystem(sim);
    const node = sagas.addService('payments', { charge: (args) => ({ ok: true, result: args }) });
    sagas.define({ name: 'pay', steps: [{ name: 'charge', action: (context) => context.send(node, 'charge', { amount: 3 }), timeoutMs: 100 }] });
    const seen = capture(sim, node, () => {
      const id = sagas.start('pay');
      sim.runUntil(() => sagas.status(id)?.state !== 'running', { withinMs: 5_000, waitingFor: 'the saga' });
    });
    return {
      sim,
      templates: new Map([...seen].map(([type, { message }]) => [type, message])),
      rules: new Map([['saga.command', { check: sagaCommandCheck, open: false }]]),
      drops: sagas.boundaryDrops,
      node,
      senderOf: () => sagas.orchestratorNode,
      picture: () => JSON.stringify([sagas.applications('payments'), sagas.received('payments')]),
    };
  },
  ['saga.command'],
);

fuzzTarget(
  'A saga orchestrator',
  () => {
    const sim = new Simulation({ seed: 1518 });
    const sagas = new SagaSystem(sim);
    const service = sagas.addService('payments', { charge: (args) => ({ ok: true, result: args }) });
    sagas.define({ name: 'pay', steps: [{ name: 'charge', action: (context) => context.send(service, 'charge', { amount: 3 }), timeoutMs: 100 }] });
    let sagaId = '';
    const seen = capture(sim, sagas.orchestratorNode, () => {
      sagaId = sagas.start('pay');
      sim.runUntil(() => sagas.status(sagaId)?.state !== 'running', { withinMs: 5_000, waitingFor: 'the saga' });
    });
    return {
      sim,
      templates: new Map([...seen].map(([type, { message }]) => [type, message])),
      rules: new Map([['saga.result', { check: sagaResultCheck, open: false }]]),
      drops: sagas.boundaryDrops,
      node: sagas.orchestratorNode,
      senderOf: () => service,
      picture: () => JSON.stringify(sagas.status(sagaId)),
    };
  },
  ['saga.result'],
);
