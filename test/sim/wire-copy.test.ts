import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeProcess } from '../../src/runtime/ports';
import { Simulation } from '../../src/sim';
import { ACCESSOR } from '../../src/util/own-data';
import { NOT_PLAIN, notPlainAt, PAST_BOUNDS, plainInput, WIRE_DEPTH_MAX, WIRE_VALUES_MAX, wireCopy } from '../../src/util/wire-copy';

/**
 * The wire's copy (src/util/wire-copy.ts): what a receiver gets is plain data, as parsed from
 * bytes on a real network (FoundationDB's and TigerBeetle's "never trust a message" starts
 * there). No code of the sender's may run while it is made, and what it cannot copy as data
 * becomes a marker the wire checks refuse.
 */

function trapped(): { ran: () => number; trap: () => never } {
  let ran = 0;
  return {
    ran: () => ran,
    trap: () => {
      ran++;
      throw new Error('the sender\'s code ran');
    },
  };
}

describe('Wire copy: plain data', () => {
  it('copies plain records and lists whole, as fresh objects', () => {
    const message = { type: 'kv.request', requestId: 7, operation: { kind: 'put', key: 'k', value: 'v' }, items: [1, 'two', null, true, [3]], nothing: undefined };
    const copy = wireCopy(message) as typeof message;
    assert.deepEqual(copy, message);
    assert.notEqual(copy, message);
    assert.notEqual(copy.operation, message.operation);
    assert.notEqual(copy.items, message.items);
    message.operation.key = 'changed later';
    assert.equal(copy.operation.key, 'k', 'what the sender does later does not reach the copy');
  });

  it('keeps a null-prototype record, and an own "__proto__" field as a field (not as the prototype)', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const copy = wireCopy(bare) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(copy), null);
    assert.equal(copy.a, 1);
    const sneaky = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copied = wireCopy(sneaky) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(copied), Object.prototype, 'the prototype stays Object.prototype');
    assert.deepEqual(Object.getOwnPropertyDescriptor(copied, '__proto__')?.value, { polluted: true });
    assert.equal((copied as { polluted?: unknown }).polluted, undefined);
  });

  it('passes primitives as they are', () => {
    for (const value of [0, -1.5, 'text', true, null, undefined, 10n]) assert.equal(wireCopy(value), value);
  });
});

describe('Wire copy: the sender\'s code never crosses', () => {
  it('marks a getter, a setter or an accessor with neither as ACCESSOR, hidden or not, without running it', () => {
    const { ran, trap } = trapped();
    const value = Object.defineProperty(Object.defineProperty({ a: 1 }, 'b', { enumerable: true, get: trap }), 'hidden', { enumerable: false, get: trap });
    Object.defineProperty(value, 'setterOnly', { enumerable: true, set: trap });
    Object.defineProperty(value, 'neither', { enumerable: true, get: undefined });
    const copy = wireCopy(value) as Record<string, unknown>;
    assert.deepEqual({ ...copy }, { a: 1, b: ACCESSOR, hidden: ACCESSOR, setterOnly: ACCESSOR, neither: ACCESSOR });
    assert.equal(ran(), 0);
  });

  it('marks a list with anything of its own beside its items, or another prototype, as NOT_PLAIN', () => {
    const { ran, trap } = trapped();
    const hostile: [string, unknown][] = [
      ['own map', Object.assign([1, 2], { map: trap })],
      ['own map beside a hole', Object.assign([, , 3], { map: trap })], // eslint-disable-line no-sparse-arrays
      ['own entries', Object.assign([1], { entries: trap })],
      ['hidden own slice', Object.defineProperty([1], 'slice', { value: trap })],
      ['own iterator (a symbol)', Object.defineProperty([1], Symbol.iterator, { value: trap })],
      ['own constructor', Object.defineProperty([1], 'constructor', { value: trap })],
      ['swapped prototype', Object.setPrototypeOf([1], Object.assign(Object.create(Array.prototype), { findIndex: trap }))],
    ];
    for (const [name, list] of hostile) assert.equal(wireCopy({ list }) && (wireCopy({ list }) as { list: unknown }).list, NOT_PLAIN, name);
    assert.equal(ran(), 0);
  });

  it('marks a getter item as ACCESSOR and keeps a hole as a hole', () => {
    const { ran, trap } = trapped();
    const list = Object.defineProperty([1, 2], 1, { enumerable: true, get: trap });
    assert.deepEqual(wireCopy(list), [1, ACCESSOR]);
    // Not an index (the largest is 2^32 - 2), beside a hole that leaves room for it in the count of names.
    const beyond = Object.defineProperty([1, , 3], '4294967295', { value: 2, enumerable: true }); // eslint-disable-line no-sparse-arrays
    assert.equal(wireCopy(beyond), NOT_PLAIN);
    assert.equal(notPlainAt(beyond, 'm'), 'm (a list) has an own field "4294967295"');
    const holed = wireCopy([1, , 3]) as unknown[]; // eslint-disable-line no-sparse-arrays
    assert.equal(holed.length, 3);
    assert.equal(Object.prototype.hasOwnProperty.call(holed, 1), false);
    assert.equal(ran(), 0);
  });

  it('marks functions, class instances and objects with a prototype of their own as NOT_PLAIN', () => {
    class Entry {
      readonly term = 1;
    }
    for (const value of [() => 1, new Entry(), Object.create({ type: 'inherited' }), new Map(), new Date(0), /x/]) assert.equal(wireCopy(value), NOT_PLAIN);
  });

  it('stops at its bounds: a cycle ends in PAST_BOUNDS past the depth bound, a huge message past the values bound', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let copy = wireCopy(cyclic) as Record<string, unknown>;
    for (let depth = 1; depth < WIRE_DEPTH_MAX; depth++) copy = copy.self as Record<string, unknown>;
    assert.equal(copy.self, PAST_BOUNDS);
    const shared = {};
    const wide = new Array(WIRE_VALUES_MAX + 10).fill(shared);
    const copied = wireCopy(wide) as unknown[];
    assert.deepEqual(copied[0], {});
    // The list is the first value: from its item at WIRE_VALUES_MAX - 1 on, every item is marked, none copied or left out.
    assert.deepEqual(copied[WIRE_VALUES_MAX - 2], {});
    for (const index of [WIRE_VALUES_MAX - 1, WIRE_VALUES_MAX, wide.length - 1]) assert.equal(copied[index], PAST_BOUNDS, `item ${index}`);
    assert.equal(Object.keys(copied).length, wide.length, 'no item left out');
    // A field after the bound is marked, not left out: left out, an optional field that is a getter would pass unseen.
    const record = wireCopy({ junk: wide, principal: Object.defineProperty({}, 'user', { enumerable: true, get: () => 'mallory' }) }) as Record<string, unknown>;
    assert.equal(record.principal, PAST_BOUNDS);
  });
});

describe('Wire copy: plain-data promises', () => {
  it('notPlainAt names where a value is not plain data, without running the sender\'s code', () => {
    const { ran, trap } = trapped();
    assert.equal(notPlainAt({ a: [1, { b: 'c' }] }, 'm'), undefined);
    assert.equal(notPlainAt({ a: [1, Object.defineProperty({}, 'b', { enumerable: true, get: trap })] }, 'm'), 'm.a[1].b is a getter or setter');
    assert.equal(notPlainAt({ a: Object.assign([1], { map: trap }) }, 'm'), 'm.a (a list) has an own field "map"');
    assert.equal(notPlainAt({ f: trap }, 'm'), 'm.f is a function');
    assert.equal(notPlainAt({ c: new Map() }, 'm'), 'm.c has a prototype of its own');
    assert.equal(ran(), 0);
  });
});

describe('Network: every message crosses as plain data', () => {
  function pair(plainMessages: boolean) {
    const sim = new Simulation({ seed: 5 });
    const received: unknown[] = [];
    let send: (to: string, message: never) => void = () => undefined;
    sim.addNode('sender', (env) => {
      send = (to, message) => env.network.send(to, message);
      return { onMessage: () => undefined } satisfies NodeProcess;
    }, {}, { plainMessages });
    sim.addNode('receiver', () => ({ onMessage: (_from, message) => received.push(message) }));
    return { sim, received, send: (message: object) => send('receiver', message as never) };
  }

  it('copies the message of a process that did not promise plain data: a getter arrives as ACCESSOR, and never runs', () => {
    const { sim, received, send } = pair(false);
    const { ran, trap } = trapped();
    const message = Object.defineProperty({ type: 'x.request', id: 1 }, 'key', { enumerable: true, get: trap });
    send(message);
    sim.runFor(100);
    assert.equal(received.length, 1);
    assert.notEqual(received[0], message);
    assert.deepEqual({ ...(received[0] as object) }, { type: 'x.request', id: 1, key: ACCESSOR });
    assert.equal(ran(), 0);
  });

  it('also copies what any caller sends through Network.send in any node\'s name', () => {
    const { sim, received } = pair(true);
    const message = { type: 'x.request', id: 1 };
    sim.network.send('sender', 'receiver', message as never);
    sim.runFor(100);
    assert.deepEqual(received, [message]);
    assert.notEqual(received[0], message);
  });

  it('passes the message of a process that promised plain data by reference, and refuses a broken promise by name', () => {
    const { sim, received, send } = pair(true);
    const message = { type: 'x.request', id: 1 };
    send(message);
    sim.runFor(100);
    assert.equal(received[0], message);
    const { ran, trap } = trapped();
    assert.throws(
      () => send(Object.defineProperty({ type: 'y.request' }, 'key', { enumerable: true, get: trap })),
      /node sender promised plain messages but sent y\.request to receiver whose message\.key is a getter or setter/,
    );
    assert.equal(ran(), 0);
  });

  it("checks each node's first messages too, not only each type's first (a type another node used up its samples of)", () => {
    const { sim, send } = pair(true);
    for (let index = 0; index < 20; index++) send({ type: 'x.request', id: index });
    let late: (message: object) => void = () => undefined;
    sim.addNode('latecomer', (env) => {
      late = (message) => env.network.send('receiver', message as never);
      return { onMessage: () => undefined };
    }, {}, { plainMessages: true });
    const { ran, trap } = trapped();
    assert.throws(() => late(Object.defineProperty({ type: 'x.request' }, 'key', { enumerable: true, get: trap })), /node latecomer promised plain messages but sent x\.request/);
    assert.equal(ran(), 0);
  });

  it('lets a tap hear each message as it left (the copy), and stop hearing', () => {
    const { sim, send } = pair(false);
    const heard: unknown[] = [];
    const stop = sim.network.tap((from, to, message) => heard.push([from, to, (message as { type: string }).type]));
    send({ type: 'x.one' });
    stop();
    send({ type: 'x.two' });
    assert.deepEqual(heard, [['sender', 'receiver', 'x.one']]);
  });
});

describe('Plain inputs: bounded work whatever the input', () => {
  it('refuses a cycle and copies a heavily shared structure in bounded time, naming where', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.a = cyclic;
    cyclic.b = cyclic;
    assert.throws(() => plainInput(cyclic, 'the input'), /the input(\.a)+ lies past the copy's bounds/);
    let shared: Record<string, unknown> = { leaf: 1 };
    for (let level = 0; level < 26; level++) shared = { a: shared, b: shared };
    const started = performance.now();
    assert.throws(() => plainInput(shared, 'the input'), /lies past the copy's bounds/);
    assert.ok(performance.now() - started < 5_000, 'bounded by the copy\'s 2,000,000 values');
    assert.equal(notPlainAt(shared, 'm'), undefined, 'the assertion looks at a bounded number of values, then stops');
  });

  it('copies plain input, so what the caller changes later is not what was handed over', () => {
    const input = { user: 'ann', grants: [{ permission: 'read' }] };
    const copied = plainInput(input, 'the input');
    input.grants[0].permission = 'admin';
    assert.deepEqual(copied, { user: 'ann', grants: [{ permission: 'read' }] });
  });
});
