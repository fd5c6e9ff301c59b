import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverWireRules } from '../../src/api/wire-rules';
import { operationCheck } from '../../src/kv/wire';
import { placementCommandCheck } from '../../src/placement/wire';
import { BoundaryCounters, MessageBoundary } from '../../src/runtime/message-boundary';
import { wireCopy } from '../../src/util/wire-copy';
import { type Check, dictionary, int, jsonValue, list, optional, QUICK, record, sameVerdictWhileFrozen, tuple } from '../../src/runtime/wire-check';

/**
 * Verdicts kept for values that cannot change (src/runtime/wire-check.ts,
 * sameVerdictWhileFrozen): in one process every follower receives the very entry object
 * its leader froze, so the boundary checks it once. A kept verdict must be one that a new
 * check would give again: only passes, and only when every object the check read is frozen.
 *
 * Hostile values (getters, lists with functions of their own, foreign prototypes) are checked
 * as a node receives them: after the wire's copy (src/util/wire-copy.ts), which never runs
 * the sender's code and leaves a marker the checks refuse with the words they always used.
 */

/** A check of `{ a: number, inner: { b: number } }` that counts how often it really runs. */
function countedCheck(): { check: Check; runs: () => number } {
  let runs = 0;
  const counted: Check = (value, path) => {
    runs++;
    return int(0)(value, path);
  };
  return { check: sameVerdictWhileFrozen(record({ a: counted, inner: record({ b: int(0) }) })), runs: () => runs };
}

describe('Wire checks: verdicts kept while frozen', () => {
  it('remember a pass on a value frozen through and through', () => {
    const { check, runs } = countedCheck();
    const value = Object.freeze({ a: 1, inner: Object.freeze({ b: 2 }) });
    assert.equal(check(value, QUICK), undefined);
    assert.equal(check(value, QUICK), undefined);
    assert.equal(runs(), 1);
  });

  it('check again a value with anything that can still change: the value, a nested object or a list', () => {
    const { check, runs } = countedCheck();
    const open = { a: 1, inner: Object.freeze({ b: 2 }) };
    const openInside = Object.freeze({ a: 1, inner: { b: 2 } });
    for (const value of [open, openInside]) {
      assert.equal(check(value, QUICK), undefined);
      assert.equal(check(value, QUICK), undefined);
    }
    assert.equal(runs(), 4);
    openInside.inner.b = -1;
    assert.match(check(openInside, 'm') ?? '', /m\.inner\.b must be a whole number/);
    const listed = sameVerdictWhileFrozen(record({ items: list(int(0)) }));
    const items = [1, 2];
    const holder = Object.freeze({ items });
    assert.equal(listed(holder, QUICK), undefined);
    items.push(-1);
    assert.match(listed(holder, 'm') ?? '', /m\.items\[2\] must be a whole number/);
  });

  it('never remember a failure, so its problem is worded in full every time', () => {
    const { check, runs } = countedCheck();
    const value = Object.freeze({ a: -1, inner: Object.freeze({ b: 2 }) });
    assert.match(check(value, 'm') ?? '', /m\.a must be/);
    assert.match(check(value, 'm') ?? '', /m\.a must be/);
    assert.equal(runs(), 2);
  });

  it('refuse a frozen operation whose field is a getter (a getter may answer differently later), every time, without running it', () => {
    let calls = 0;
    const operation = Object.freeze(Object.defineProperty({ kind: 'put', value: 'v' }, 'key', { enumerable: true, get: () => (calls++, 'k') }));
    const check = sameVerdictWhileFrozen(record({ operation: operationCheck }));
    const value = Object.freeze({ operation });
    assert.match(check(wireCopy(value), 'm') ?? '', /m\.operation\.key must be plain data/);
    assert.match(check(wireCopy(value), 'm') ?? '', /m\.operation\.key must be plain data/, 'a refusal is not kept as a pass');
    assert.equal(calls, 0, 'the getter never ran');
  });

  it('take only plain lists: an array with a swapped prototype or any function of its own (iterator, constructor, map, slice) would run the sender\'s code where it is iterated, sliced or mapped', () => {
    let ran = 0;
    const trap = () => {
      ran++;
      return [][Symbol.iterator]();
    };
    const swapped = Object.setPrototypeOf([1, 2], Object.assign(Object.create(Array.prototype), { findIndex: () => (ran++, -1) }));
    const ownIterator = Object.defineProperty([1, 2], Symbol.iterator, { value: trap });
    const ownConstructor = Object.defineProperty([1, 2], 'constructor', { value: function Fake() { ran++; } });
    const ownMap = Object.assign([1, 2], { map: () => ran++ });
    const hiddenSlice = Object.defineProperty([1, 2], 'slice', { value: () => ran++ });
    for (const check of [list(int(0)), tuple(int(0), int(0)), jsonValue()]) {
      assert.equal(check([1, 2], 'm'), undefined, 'a plain list passes');
      for (const [name, hostile] of [['swapped prototype', swapped], ['own iterator', ownIterator], ['own constructor', ownConstructor], ['own map', ownMap], ['hidden own slice', hiddenSlice]] as const) {
        assert.match(check(wireCopy(hostile), 'm') ?? '', /^m must be/, `a list with a ${name}`);
      }
    }
    assert.equal(ran, 0, 'none of the sender\'s functions ran');
  });

  it('refuse a hidden (non-enumerable) getter in opaque data or a dictionary, without running it', () => {
    let ran = 0;
    const hidden = () => Object.defineProperty({ a: 1 }, 'region', { enumerable: false, get: () => (ran++, 2) });
    assert.match(jsonValue()(wireCopy(hidden()), 'm') ?? '', /^m\.region must be plain data/);
    assert.match(dictionary(int(0))(wireCopy(hidden()), 'm') ?? '', /^m\.region must be/);
    assert.equal(jsonValue()({ a: 1, nested: { b: [1, 2] } }, 'm'), undefined, 'plain data passes');
    assert.equal(ran, 0, 'the getter never ran');
  });

  it("read a placement command's kind as plain data before choosing its check", () => {
    let ran = 0;
    const command = Object.defineProperty({ goal: {}, reason: 'r', atMs: 0 }, 'kind', { enumerable: true, get: () => (ran++, 'set-goal') });
    assert.match(placementCommandCheck(wireCopy(command), 'm') ?? '', /^m\.kind must be plain data/);
    assert.equal(ran, 0, 'the getter never ran');
  });

  it('read list and tuple items as own data: an item that is a getter fails and never runs', () => {
    let ran = false;
    const hostile = Object.defineProperty([1, 2], 1, { enumerable: true, get: () => { ran = true; return 2; } });
    assert.match(list(int(0))(wireCopy(hostile), 'm') ?? '', /m\[1\] must be a whole number/);
    assert.match(tuple(int(0), int(0))(wireCopy(hostile), 'm') ?? '', /m\[1\] must be a whole number/);
    assert.match(jsonValue()(wireCopy(hostile), 'm') ?? '', /m\[1\] must be plain data/);
    assert.equal(ran, false);
  });

  it('read every kind of accessor as an accessor, even one with neither getter nor setter, which reads undefined like an absent field', () => {
    // An accessor without a getter reads undefined like an absent field; an optional field must still refuse it.
    const check = record({ a: int(0), b: optional(int(0)) });
    const noAccessors = { a: 1, b: undefined };
    assert.equal(check(noAccessors, QUICK), undefined, 'a data field holding undefined is an absent optional field');
    const setterOnly = Object.defineProperty({ a: 1 }, 'b', { enumerable: true, set: () => undefined });
    const empty = Object.defineProperty({ a: 1 }, 'b', { enumerable: true, get: undefined });
    const nullPrototype = Object.defineProperty(Object.assign(Object.create(null) as object, { a: 1 }), 'b', { enumerable: true, get: () => 1 });
    for (const [name, value] of [['setter only', setterOnly], ['neither', empty], ['getter on a null-prototype object', nullPrototype]] as const) {
      assert.match(check(wireCopy(value), 'm') ?? '', /m\.b must be a whole number/, name);
    }
    const inheritedGetter = Object.create(Object.defineProperty({}, 'a', { get: () => 1 })) as object;
    assert.match(check(wireCopy(inheritedGetter), 'm') ?? '', /must be an object|m\.a must be/, 'an inherited getter is not an own field');
  });

  it('accept a frozen Raft entry at a second follower without checking it again, and still refuse a bad one', () => {
    const rules = serverWireRules();
    const gate = (self: string) => new MessageBoundary(self, { rules, admitted: () => true, counters: new BoundaryCounters() });
    const operation = Object.freeze({ kind: 'put', key: 'x', value: '1' });
    const entry = Object.freeze({ term: 1, index: 1, kind: 'normal', data: Object.freeze({ clientId: 'c', sequence: 1, operation }) });
    const append = (to: string, entries: object[]) => ({ type: 'raft.append', groupId: 'shard-1', message: { type: 'raft.append', from: 'node-1', to, term: 1, prevLogIndex: 0, prevLogTerm: 0, entries, leaderCommitIndex: 0 } });
    assert.equal(gate('node-2').accept('node-1', append('node-2', [entry])), true);
    assert.equal(gate('node-3').accept('node-1', append('node-3', [entry])), true);
    const bad = Object.freeze({ ...entry, data: Object.freeze({ clientId: 'c', sequence: 0, operation }) });
    assert.equal(gate('node-2').accept('node-1', append('node-2', [bad])), false);
    assert.equal(gate('node-3').accept('node-1', append('node-3', [bad])), false);
  });
});
