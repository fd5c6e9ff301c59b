/**
 * A small vocabulary for checking the shape of a message that arrived from the network
 * before any protocol sees it (FoundationDB / TigerBeetle: never trust a message; assert,
 * drop and count). A check returns a sentence naming the first bad field, or undefined
 * when the value fits, and stops at bounds.
 *
 * Checks take a message as it crossed the wire: plain data. The simulated network copies the
 * message of any process that did not promise plain data, as a real wire would, and puts a
 * marker where a getter, a list's own function or a foreign prototype was
 * (src/util/wire-copy.ts); PhantomDB's own processes build plain data. So a check reads fields
 * directly (no sender's code can run: there is none left) and refuses the markers, which are
 * neither objects, lists, strings nor numbers. Code that takes a message from anywhere else
 * passes it through `wireCopy` first.
 */

const objectPrototype = Object.prototype;
const arrayPrototype = Array.prototype;
const hasOwn = Object.prototype.hasOwnProperty;

/** A field name a record or variant check may read directly: none that plain objects inherit. */
function assertOwnFieldName(name: string): void {
  if (name in objectPrototype) throw new Error(`a wire check cannot name the field ${JSON.stringify(name)}: every object inherits one`);
}

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
  return prototype === objectPrototype || prototype === null;
}

/**
 * A list: an array of this realm whose prototype is Array.prototype. (One with own fields
 * beside its items, an own `map` say, never crosses the wire: the copy marks it. A hole among
 * the items is refused by each check's item loop.)
 */
function isPlainList(value: unknown): value is unknown[] {
  return Array.isArray(value) && Object.getPrototypeOf(value) === arrayPrototype;
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
 * those fields directly (the message is plain data, see above).
 */
export function noteInspected(value: object): void {
  if (trackingDepth > 0 && !sawChangeable && !Object.isFrozen(value)) sawChangeable = true;
}


/**
 * `check`, remembering the values it passed that can no longer change (see above). Only
 * passes are kept: a value that fails is checked again, so its problem is worded in full.
 * Every custom check inside `check` that reads an object's fields itself must read them
 * directly and call `noteInspected`. (A verdict assumes Object.prototype keeps its
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
      const item = value[index];
      if (item === undefined && !hasOwn.call(value, index)) return `${path}[${index}] is missing`;
      const problem = check(item, child(path, index, true));
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
      const problem = checks[index](value[index], child(path, index, true));
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
  names.forEach(assertOwnFieldName);
  const checks = names.map((name) => fields[name]);
  const required = checks.map((check) => (typeof check === 'function' ? check : undefined));
  const optionals = checks.map((check) => (typeof check === 'function' ? undefined : check.optional));
  return (value, path) => {
    if (!isPlainRecord(value)) return `${path} must be an object`;
    noteInspected(value);
    for (let position = 0; position < names.length; position++) {
      const item = value[names[position]];
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
    // Every own name, hidden ones included (the wire's copy makes them ordinary fields).
    const keys = Object.getOwnPropertyNames(value);
    if (keys.length > keysMax) return `${path} has more than ${keysMax} entries`;
    for (const key of keys) {
      const problem = check(value[key], child(path, key, false));
      if (problem !== undefined) return problem;
    }
    return undefined;
  };
}

/** A tagged union: `field` selects the check of the variant. */
export function variant(field: string, variants: Readonly<Record<string, Check>>): Check {
  assertOwnFieldName(field);
  return (value, path) => {
    if (!isPlainRecord(value)) return `${path} must be an object`;
    noteInspected(value);
    const tag = value[field];
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
      const problem = jsonProblem(value[index], child(path, index, true), depthLeft - 1, budget);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (!isPlainRecord(value)) return `${path} must be plain data`;
  noteInspected(value);
  // Every own name, hidden ones included (the wire's copy makes them ordinary fields).
  for (const key of Object.getOwnPropertyNames(value)) {
    const item = value[key];
    // An undefined field is absent once serialised; the in-process network passes objects as they are.
    if (item === undefined) continue;
    const problem = jsonProblem(item, child(path, key, false), depthLeft - 1, budget);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
