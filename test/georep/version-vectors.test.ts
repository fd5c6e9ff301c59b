/**
 * Version vectors (Parker et al. 1983; Dynamo §4.4 "Data versioning"), causal contexts with
 * a dot cloud (Almeida, Shoker, Baquero 2018, §6), and the multi-value register built on
 * them (dotted version vectors: Preguiça, Baquero, Almeida, Fonte, Gonçalves 2012):
 * concurrent writes become siblings, a write carrying its read's context resolves them,
 * and causally ordered writes never produce siblings.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  compareVectors,
  contextAdd,
  contextDots,
  contextFromDots,
  contextIncludes,
  contextJoin,
  EMPTY_CONTEXT,
  EMPTY_MULTI_VALUE,
  type MultiValueRegister,
  mvDelete,
  mvJoin,
  mvRead,
  mvWrite,
  vectorIncrement,
  vectorMerge,
  vectorOf,
} from '../../src/georep';
import { REGIONS } from './generators';

const vectorArbitrary = fc.dictionary(fc.constantFrom(...REGIONS), fc.integer({ min: 0, max: 4 })).map((record) => vectorOf(Object.entries(record)));

describe('version vectors (Dynamo §4.4)', () => {
  it('orders by pointwise comparison: equal, before, after, concurrent', () => {
    const a = vectorOf([['us-east', 2], ['eu-west', 1]]);
    assert.equal(compareVectors(a, a), 'equal');
    assert.equal(compareVectors(a, vectorIncrement(a, 'eu-west')), 'before');
    assert.equal(compareVectors(vectorIncrement(a, 'us-east'), a), 'after');
    assert.equal(compareVectors(vectorIncrement(a, 'us-east'), vectorIncrement(a, 'eu-west')), 'concurrent');
    assert.equal(compareVectors({}, vectorOf([['ap-south', 0]])), 'equal', 'a zero entry is no entry');
  });

  it('merge is the least upper bound: both inputs are before or equal to it, and it is a semilattice join', () => {
    fc.assert(
      fc.property(vectorArbitrary, vectorArbitrary, vectorArbitrary, (a, b, c) => {
        const merged = vectorMerge(a, b);
        assert.ok(['before', 'equal'].includes(compareVectors(a, merged)));
        assert.ok(['before', 'equal'].includes(compareVectors(b, merged)));
        assert.deepEqual(merged, vectorMerge(b, a));
        assert.deepEqual(vectorMerge(merged, c), vectorMerge(a, vectorMerge(b, c)));
        assert.deepEqual(vectorMerge(a, a), a);
      }),
    );
  });
});

describe('causal contexts (Almeida et al. 2018 §6)', () => {
  it('a dot not contiguous with the vector stays in the cloud until the gap fills', () => {
    let context = contextFromDots([{ region: 'eu-west', counter: 3 }]);
    assert.deepEqual(context, { vector: {}, cloud: [{ region: 'eu-west', counter: 3 }] });
    assert.ok(!contextIncludes(context, { region: 'eu-west', counter: 1 }), 'seeing update 3 says nothing about 1 and 2');
    context = contextAdd(contextAdd(context, { region: 'eu-west', counter: 1 }), { region: 'eu-west', counter: 2 });
    assert.deepEqual(context, { vector: { 'eu-west': 3 }, cloud: [] });
  });

  it('join is the union of the dot sets, compacted', () => {
    const dot = fc.record({ region: fc.constantFrom(...REGIONS), counter: fc.integer({ min: 1, max: 6 }) });
    fc.assert(
      fc.property(fc.array(dot), fc.array(dot), (left, right) => {
        const joined = contextJoin(contextFromDots(left), contextFromDots(right));
        const expected = new Set([...left, ...right].map((d) => `${d.region}:${d.counter}`));
        assert.deepEqual(new Set(contextDots(joined).map((d) => `${d.region}:${d.counter}`)), expected);
        for (const cloudDot of joined.cloud) assert.ok(cloudDot.counter > (joined.vector[cloudDot.region] ?? 0) + 1, 'the cloud holds only non-contiguous dots');
      }),
    );
  });
});

describe('multi-value register (dotted version vectors, Riak siblings)', () => {
  it('concurrent writes become siblings, returned together on read', () => {
    const east = mvWrite(EMPTY_MULTI_VALUE, 'us-east', 'book', EMPTY_CONTEXT).state;
    const west = mvWrite(EMPTY_MULTI_VALUE, 'eu-west', 'lamp', EMPTY_CONTEXT).state;
    const merged = mvJoin(east, west);
    assert.deepEqual(mvRead(merged).values, ['book', 'lamp']);
    assert.deepEqual(mvRead(merged).context.vector, { 'eu-west': 1, 'us-east': 1 });
  });

  it('a write carrying the read context resolves the siblings everywhere, even before the others see it', () => {
    const east = mvWrite(EMPTY_MULTI_VALUE, 'us-east', 'book', EMPTY_CONTEXT).state;
    const west = mvWrite(EMPTY_MULTI_VALUE, 'eu-west', 'lamp', EMPTY_CONTEXT).state;
    const siblings = mvJoin(east, west);
    const resolved = mvWrite(siblings, 'ap-south', 'book+lamp', mvRead(siblings).context).state;
    assert.deepEqual(mvRead(resolved).values, ['book+lamp']);
    assert.deepEqual(mvRead(mvJoin(east, resolved)).values, ['book+lamp'], 'a region that still holds one sibling adopts the resolution');
    assert.deepEqual(mvRead(mvJoin(resolved, west)).values, ['book+lamp']);
  });

  it('a delete removes only what its client saw; a concurrent write survives', () => {
    const first = mvWrite(EMPTY_MULTI_VALUE, 'us-east', 'v1', EMPTY_CONTEXT).state;
    const deleted = mvDelete(first, first.context);
    const concurrent = mvWrite(first, 'eu-west', 'v2', EMPTY_CONTEXT).state;
    assert.deepEqual(mvRead(deleted).values, []);
    assert.deepEqual(mvRead(mvJoin(deleted, concurrent)).values, ['v2']);
  });

  it('causally ordered writes never produce siblings, whatever order replicas merge in', () => {
    // Each write is made by a client that read the latest write (its context), at any region;
    // replicas receive the states in any order, any number of times.
    const writes = fc.array(fc.constantFrom(0, 1, 2), { minLength: 1, maxLength: 10 });
    const merges = fc.array(fc.record({ into: fc.constantFrom(0, 1, 2), write: fc.nat(9) }), { maxLength: 20 });
    fc.assert(
      fc.property(writes, merges, (writers, deliveries) => {
        const replicas: MultiValueRegister[] = [EMPTY_MULTI_VALUE, EMPTY_MULTI_VALUE, EMPTY_MULTI_VALUE];
        const produced: MultiValueRegister[] = [];
        let readContext = EMPTY_CONTEXT;
        writers.forEach((writer, index) => {
          const { state, dot } = mvWrite(replicas[writer], REGIONS[writer], `v${index}`, readContext);
          replicas[writer] = state;
          produced.push(state);
          readContext = contextAdd(readContext, dot);
        });
        for (const { into, write } of deliveries) replicas[into] = mvJoin(replicas[into], produced[write % produced.length]);
        for (const state of produced) for (let r = 0; r < 3; r++) replicas[r] = mvJoin(replicas[r], state);
        for (const replica of replicas) assert.deepEqual(mvRead(replica).values, [`v${writers.length - 1}`]);
        for (const state of produced) assert.ok(state.siblings.length <= 1, 'no intermediate state has siblings either');
      }),
      { numRuns: 300 },
    );
  });
});
