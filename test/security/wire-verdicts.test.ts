import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverWireRules } from '../../src/api/wire-rules';
import { operationCheck } from '../../src/kv/wire';
import { BoundaryCounters, MessageBoundary } from '../../src/runtime/message-boundary';
import { type Check, int, jsonValue, list, optional, QUICK, record, sameVerdictWhileFrozen, tuple } from '../../src/runtime/wire-check';

/**
 * Verdicts kept for values that cannot change (src/runtime/wire-check.ts,
 * sameVerdictWhileFrozen): in one process every follower receives the very entry object
 * its leader froze, so the boundary checks it once. A kept verdict must be one that a new
 * check would give again: only passes, and only when every object the check read is frozen.
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

  it('check again a frozen operation whose fields are getters (a getter may answer differently later)', () => {
    let calls = 0;
    const operation = Object.freeze(Object.defineProperty({ kind: 'put', value: 'v' }, 'key', { enumerable: true, get: () => (calls++, 'k') }));
    const check = sameVerdictWhileFrozen(record({ operation: operationCheck }));
    const value = Object.freeze({ operation });
    check(value, QUICK);
    const before = calls;
    check(value, QUICK);
    assert.ok(calls > before, 'the second check ran again');
  });

  it('read list and tuple items as own data: an item that is a getter fails and never runs', () => {
    let ran = false;
    const hostile = Object.defineProperty([1, 2], 1, { enumerable: true, get: () => { ran = true; return 2; } });
    assert.match(list(int(0))(hostile, 'm') ?? '', /m\[1\] must be a whole number/);
    assert.match(tuple(int(0), int(0))(hostile, 'm') ?? '', /m\[1\] must be a whole number/);
    assert.match(jsonValue()(hostile, 'm') ?? '', /m\[1\] must be plain data/);
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
      assert.match(check(value, 'm') ?? '', /m\.b must be a whole number/, name);
    }
    const inheritedGetter = Object.create(Object.defineProperty({}, 'a', { get: () => 1 })) as object;
    assert.match(check(inheritedGetter, 'm') ?? '', /must be an object|m\.a must be/, 'an inherited getter is not an own field');
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
