/**
 * A small vocabulary for checking the shape of a message that arrived from the network
 * before any protocol sees it (FoundationDB / TigerBeetle: never trust a message; assert,
 * drop and count). A check returns a sentence naming the first bad field, or undefined
 * when the value fits. Checks never throw, whatever the input (cycles, getters, huge
 * arrays, prototype tricks): they read only own enumerable data and stop at bounds.
 */

import { ownField } from '../util/own-data';

export type Check = (value: unknown, path: string) => string | undefined;

/**
 * The path to pass for a yes/no answer: combinators then build no child paths (no
 * allocation on the hot path). Re-run with a real path to word the problem.
 */
export const QUICK = '\u0000';

function child(path: string, suffix: string | number, array: boolean): string {
  if (path === QUICK) return QUICK;
  return array ? `${path}[${suffix}]` : `${path}.${suffix}`;
}

/** Checks quickly, and words the problem (with paths) only when there is one. */
export function problemOf(check: Check, value: unknown, path: string): string | undefined {
  return check(value, QUICK) === undefined ? undefined : check(value, path) ?? `${path} is malformed`;
}

/** Longest list any message may carry; a bound on the work one message can cause. */
export const LIST_LENGTH_MAX = 100_000;
/** Longest string any message may carry (values are bounded lower by their own checks). */
export const STRING_LENGTH_MAX = 1 << 20;
/** Deepest nesting accepted for opaque payloads. */
export const DEPTH_MAX = 32;

export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * A list as plain data: an array of this realm whose prototype is Array.prototype, and whose
 * own properties are its items and its length only (no own iterator, constructor, map, slice,
 * toJSON...). Code that takes a checked list iterates it (for...of), slices, maps or serialises
 * it; each of those would run the sender's code on an array whose prototype was swapped, or that
 * carries a function of its own. (A hole among the items is refused by each check's item loop.)
 */
function isPlainList(value: unknown): value is unknown[] {
  return (
    Array.isArray(value) &&
    Object.getPrototypeOf(value) === Array.prototype &&
    Object.getOwnPropertySymbols(value).length === 0 &&
    Object.getOwnPropertyNames(value).length === value.length + 1
  );
}


/*
 * Verdicts that cannot change. A check reads only the objects it inspects; when every one of
 * them is frozen, none of what it read can change (no field appears, goes, changes value or
 * becomes a getter; prototypes stay), so checking the same value again must give the same
 * answer. `sameVerdictWhileFrozen` keeps such passing verdicts: in one process a Raft entry
 * reaches every follower as the very object the leader froze, and is checked once, not once
 * per follower. While it runs, each combinator tells it about each object it inspects.
 */
let trackingDepth = 0;
let sawChangeable = false;

/**
 * Called by every combinator on each object or list it inspects (cheap when nothing tracks); a
 * check that reads an object's fields itself (not through `record`) calls it too, having read
 * those fields as plain data (`ownField`).
 */
export function noteInspected(value: object): void {
  if (trackingDepth > 0 && !sawChangeable && !Object.isFrozen(value)) sawChangeable = true;
}


/**
 * `check`, remembering the values it passed that can no longer change (see above). Only
 * passes are kept: a value that fails is checked again, so its problem is worded in full.
 * Every custom check inside `check` that reads an object's fields itself must read them
 * with `ownField` and call `noteInspected`. (A verdict assumes Object.prototype keeps its
 * fields, as every check using `in` does; a process that changes Object.prototype changes what
 * every check means.)
 */
export function sameVerdictWhileFrozen(check: Check): Check {
  const passed = new WeakSet<object>();
  return (value, path) => {
    const memorable = typeof value === 'object' && value !== null;
    if (memorable && passed.has(value)) return undefined;
    const outerChangeable = sawChangeable;
    sawChangeable = false;
    trackingDepth++;
    let problem: string | undefined;
    try {
      problem = check(value, path);
    } finally {
      trackingDepth--;
    }
    const changeable = sawChangeable;
    sawChangeable = outerChangeable || changeable;
    if (problem === undefined && memorable && !changeable) passed.add(value);
    return problem;
  };
}


export const str =
  (lengthMax = 4096): Check =>
  (value, path) =>
    typeof value === 'string' && value.length <= lengthMax ? undefined : `${path} must be a string of at most ${lengthMax} characters`;

export const nonEmptyStr =
  (lengthMax = 4096): Check =>
  (value, path) =>
    typeof value === 'string' && value.length > 0 && value.length <= lengthMax ? undefined : `${path} must be a non-empty string of at most ${lengthMax} characters`;

export const int =
  (min = 0, max = Number.MAX_SAFE_INTEGER): Check =>
  (value, path) =>
    Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max ? undefined : `${path} must be a whole number from ${min} to ${max}`;

export const finite: Check = (value, path) => (typeof value === 'number' && Number.isFinite(value) ? undefined : `${path} must be a finite number`);

export const bool: Check = (value, path) => (typeof value === 'boolean' ? undefined : `${path} must be true or false`);

export function literal(...values: readonly (string | number | boolean | null)[]): Check {
  return (value, path) => (values.includes(value as string) ? undefined : `${path} must be one of ${values.map((item) => JSON.stringify(item)).join(', ')}`);
}

export function nullable(check: Check): Check {
  return (value, path) => (value === null ? undefined : check(value, path));
}

/** Marks a record field that may be absent (undefined); present, it must pass `check`. */
export interface OptionalCheck {
  readonly optional: Check;
}

export function optional(check: Check): OptionalCheck {
  return { optional: check };
}

export function list(check: Check, lengthMax = LIST_LENGTH_MAX): Check {
  return (value, path) => {
    if (!isPlainList(value)) return `${path} must be a list`;
    if (value.length > lengthMax) return `${path} has more than ${lengthMax} items`;
    noteInspected(value);
    for (let index = 0; index < value.length; index++) {
      if (!Object.prototype.hasOwnProperty.call(value, index)) return `${path}[${index}] is missing`;
      // Read as own data, as record fields are: an item may be a getter.
      const problem = check(ownField(value, index), child(path, index, true));
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
}

/** A fixed-length list of differently checked items (a tuple). */
export function tuple(...checks: readonly Check[]): Check {
  return (value, path) => {
    if (!isPlainList(value) || value.length !== checks.length) return `${path} must be a list of ${checks.length} items`;
    noteInspected(value);
    for (let index = 0; index < checks.length; index++) {
      const problem = checks[index](ownField(value, index), child(path, index, true));
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
}

export type Fields = Readonly<Record<string, Check | OptionalCheck>>;

/** A plain object with these fields (other fields are ignored, as a newer peer may add some). */
export function record(fields: Fields): Check {
  // Laid out once as parallel arrays: every message passes here, field by field.
  const names = Object.keys(fields);
  const checks = names.map((name) => fields[name]);
  const required = checks.map((check) => (typeof check === 'function' ? check : undefined));
  const optionals = checks.map((check) => (typeof check === 'function' ? undefined : check.optional));
  return (value, path) => {
    if (!isPlainRecord(value)) return `${path} must be an object`;
    noteInspected(value);
    for (let position = 0; position < names.length; position++) {
      const item = ownField(value, names[position]);
      const check = required[position];
      if (check !== undefined) {
        const problem = check(item, path === QUICK ? QUICK : `${path}.${names[position]}`);
        if (problem !== undefined) return problem;
      } else if (item !== undefined) {
        const problem = optionals[position]!(item, path === QUICK ? QUICK : `${path}.${names[position]}`);
        if (problem !== undefined) return problem;
      }
    }
    return undefined;
  };
}

/** A plain object used as a map from names to checked values (a version vector). */
export function dictionary(check: Check, keysMax = 10_000): Check {
  return (value, path) => {
    if (!isPlainRecord(value)) return `${path} must be an object`;
    noteInspected(value);
    // Every own name, not only the enumerable ones: a hidden getter would run where code reads it.
    const keys = Object.getOwnPropertyNames(value);
    if (keys.length > keysMax) return `${path} has more than ${keysMax} entries`;
    for (const key of keys) {
      const problem = check(ownField(value, key), child(path, key, false));
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
}

/** A tagged union: `field` selects the check of the variant. */
export function variant(field: string, variants: Readonly<Record<string, Check>>): Check {
  return (value, path) => {
    if (!isPlainRecord(value)) return `${path} must be an object`;
    noteInspected(value);
    const tag = ownField(value, field);
    if (typeof tag !== 'string' || !Object.prototype.hasOwnProperty.call(variants, tag)) {
      return `${path}.${field} must be one of ${Object.keys(variants).join(', ')}`;
    }
    return variants[tag](value, path);
  };
}

export function oneOf(...checks: readonly Check[]): Check {
  return (value, path) => {
    let first: string | undefined;
    for (const check of checks) {
      const problem = check(value, path);
      if (problem === undefined) return undefined;
      first ??= problem;
    }
    return first;
  };
}

/** Opaque JSON-like data (a payload another layer checks): bounded in depth, size and kind. */
export function jsonValue(depthMax = DEPTH_MAX): Check {
  return (value, path) => jsonProblem(value, path, depthMax, { nodes: 0 });
}

const JSON_NODES_MAX = 1_000_000;

function jsonProblem(value: unknown, path: string, depthLeft: number, budget: { nodes: number }): string | undefined {
  if (++budget.nodes > JSON_NODES_MAX) return `${path} is too large`;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return typeof value === 'string' && value.length > STRING_LENGTH_MAX ? `${path} is too long` : undefined;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} must be a finite number`;
  if (depthLeft <= 0) return `${path} is nested too deeply`;
  if (Array.isArray(value)) {
    if (!isPlainList(value)) return `${path} must be plain data`;
    if (value.length > LIST_LENGTH_MAX) return `${path} has more than ${LIST_LENGTH_MAX} items`;
    noteInspected(value);
    for (let index = 0; index < value.length; index++) {
      const problem = jsonProblem(ownField(value, index), child(path, index, true), depthLeft - 1, budget);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (!isPlainRecord(value)) return `${path} must be plain data`;
  noteInspected(value);
  // Every own name, not only the enumerable ones: a hidden getter would run where code reads it.
  for (const key of Object.getOwnPropertyNames(value)) {
    const item = ownField(value, key);
    // An undefined field is absent once serialised; the in-process network passes objects as they are.
    if (item === undefined) continue;
    const problem = jsonProblem(item, child(path, key, false), depthLeft - 1, budget);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
