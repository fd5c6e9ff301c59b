import { ACCESSOR } from './own-data';

/**
 * What a message looks like after the wire: plain data only. A real network carries bytes,
 * so a receiver parses fresh objects and no sender's code (a getter, a list's own function,
 * a prototype) can cross it. In one process the simulated network would hand over the sender's
 * very object, so it makes this copy of every message whose sender did not promise plain data
 * (`SimNode`'s `plainMessages`, given only to PhantomDB's own processes). The copy reads each
 * field as plain data and never runs a getter; what it cannot copy as data it replaces by a
 * marker that every wire check refuses, with the words it used before (a getter field by
 * ACCESSOR: "must be plain data"; a list or object that is not plain by NOT_PLAIN: "must be a
 * list", "must be an object"). Its work is bounded (depth and number of values), so a message
 * cannot make the network copy without end.
 *
 * Every message a node's boundary sees is therefore plain data: either this copy, or an
 * object PhantomDB's own code built from plain data. The wire checks (src/runtime/wire-check.ts)
 * read fields directly on that promise.
 */

/** Stands for a value that is not plain data: a function, an object or list with a prototype or own fields of its own kind. */
export const NOT_PLAIN = Symbol.for('phantomdb.not-plain');
/** Stands for what lies past the copy's bounds (depth or values). */
export const PAST_BOUNDS = Symbol.for('phantomdb.past-bounds');

/** Deeper than any check looks (jsonValue stops at 32): a check words the depth itself. */
export const WIRE_DEPTH_MAX = 64;
/** More values than any check reads (jsonValue stops at 1,000,000). */
export const WIRE_VALUES_MAX = 2_000_000;

const arrayPrototype = Array.prototype;
const objectPrototype = Object.prototype;

/** A copy of `message` as plain data (see above); primitives are themselves. */
export function wireCopy(message: unknown): unknown {
  return copy(message, WIRE_DEPTH_MAX, { values: 0 });
}

function copy(value: unknown, depthLeft: number, budget: { values: number }): unknown {
  if (typeof value === 'function') return NOT_PLAIN;
  if (typeof value !== 'object' || value === null) return value;
  if (++budget.values > WIRE_VALUES_MAX || depthLeft <= 0) return PAST_BOUNDS;
  const prototype = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (prototype !== arrayPrototype || Object.getOwnPropertySymbols(value).length > 0) return NOT_PLAIN;
    const names = Object.getOwnPropertyNames(value);
    // Its items and its length only: an own `map`, `entries` or `toJSON` is a function of the sender's.
    if (names.length > value.length + 1) return NOT_PLAIN;
    const items: unknown[] = new Array(value.length);
    for (const name of names) {
      if (name === 'length') continue;
      const index = Number(name);
      // Not an item (beside a hole, which leaves room in the count): the sender's own field.
      if (!Number.isInteger(index) || index < 0 || index >= value.length || String(index) !== name) return NOT_PLAIN;
      items[index] = budget.values > WIRE_VALUES_MAX ? PAST_BOUNDS : copyField(value, name, depthLeft, budget);
    }
    return items; // a hole stays a hole: the list checks say which item is missing
  }
  if (prototype !== objectPrototype && prototype !== null) return NOT_PLAIN;
  const fields: Record<string, unknown> = prototype === null ? Object.create(null) : {};
  // Every own name, hidden ones too: a check may name any field, and must never run a getter.
  for (const name of Object.getOwnPropertyNames(value)) {
    // Past the bound every field is still there, marked: a field left out could turn a refusal into a pass.
    const item = budget.values > WIRE_VALUES_MAX ? PAST_BOUNDS : copyField(value, name, depthLeft, budget);
    if (name === '__proto__') Object.defineProperty(fields, name, { value: item, enumerable: true, writable: true, configurable: true });
    else fields[name] = item;
  }
  return fields;
}

/** One own field of `value`, copied as plain data; ACCESSOR for a getter or setter, never run. */
function copyField(value: object, name: string, depthLeft: number, budget: { values: number }): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(value, name)!;
  return 'value' in descriptor ? copy(descriptor.value, depthLeft - 1, budget) : ACCESSOR;
}

/** How many values `notPlainAt` looks at before it stops (a shared sub-object is looked at each time it is reached). */
const NOT_PLAIN_VALUES_MAX = 100_000;

/**
 * Where `value` is not what `wireCopy` would give back (a getter, a function, a foreign
 * prototype, a list's own field, past the depth bound), as "PATH is ..."; undefined when it is
 * plain data, or when nothing was found among its first NOT_PLAIN_VALUES_MAX values. Never runs
 * a getter. For asserting the promise of PhantomDB's own processes, on samples.
 */
export function notPlainAt(value: unknown, path: string): string | undefined {
  return notPlainWithin(value, path, WIRE_DEPTH_MAX, { values: 0 });
}

function notPlainWithin(value: unknown, path: string, depthLeft: number, budget: { values: number }): string | undefined {
  if (typeof value === 'function') return `${path} is a function`;
  if (typeof value !== 'object' || value === null || ++budget.values > NOT_PLAIN_VALUES_MAX) return undefined;
  if (depthLeft <= 0) return `${path} is nested deeper than ${WIRE_DEPTH_MAX}`;
  const prototype = Object.getPrototypeOf(value);
  const list = Array.isArray(value);
  if (list ? prototype !== arrayPrototype : prototype !== objectPrototype && prototype !== null) return `${path} has a prototype of its own`;
  if (Object.getOwnPropertySymbols(value).length > 0) return `${path} has a symbol-named field`;
  for (const name of Object.getOwnPropertyNames(value)) {
    if (list && name === 'length') continue;
    if (list && (String(Number(name)) !== name || Number(name) >= (value as unknown[]).length)) return `${path} (a list) has an own field ${JSON.stringify(name)}`;
    const descriptor = Object.getOwnPropertyDescriptor(value, name)!;
    const at = list ? `${path}[${name}]` : `${path}.${name}`;
    if (!('value' in descriptor)) return `${at} is a getter or setter`;
    const problem = notPlainWithin(descriptor.value, at, depthLeft - 1, budget);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Where the wire's copy holds a marker, as "PATH is ..." (the copy is a tree of bounded size). */
function markerAt(copied: unknown, path: string): string | undefined {
  if (copied === ACCESSOR) return `${path} is a getter or setter`;
  if (copied === NOT_PLAIN) return `${path} is not plain data (a function, or an object or list with a prototype or fields of its own)`;
  if (copied === PAST_BOUNDS) return `${path} lies past the copy's bounds (depth ${WIRE_DEPTH_MAX}, ${WIRE_VALUES_MAX} values)`;
  if (typeof copied !== 'object' || copied === null) return undefined;
  const list = Array.isArray(copied);
  for (const name of Object.keys(copied)) {
    const problem = markerAt((copied as Record<string, unknown>)[name], list ? `${path}[${name}]` : `${path}.${name}`);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * `value` as plain data, for what a caller hands PhantomDB that goes into messages or log
 * entries by reference (a role change, a scaling policy, a move, a principal): refused with a
 * TypeError naming the first part that is not plain data (`what` names the input), else a copy,
 * so nothing the caller does to its object later changes what was sent or logged.
 */
export function plainInput<T>(value: T, what: string): T {
  // Copied once (bounded work whatever the input: shared sub-objects, cycles), then the copy
  // is searched for the markers of what could not be copied.
  const copied = wireCopy(value);
  const problem = markerAt(copied, what);
  if (problem !== undefined) throw new TypeError(`${problem}, but ${what} must be plain data: it is sent and logged as it is`);
  return copied as T;
}
