/**
 * Case counts of the fuzz properties: a fixed number in `npm test`, many more for nightly
 * runs with PHANTOM_FUZZ_RUNS set (see README, "Security"). The seed is fixed per
 * property unless PHANTOM_FUZZ_SEED is set, so a failure in `npm test` replays exactly.
 */
export function fuzzRuns(defaultRuns: number): number {
  const fromEnv = Number(process.env.PHANTOM_FUZZ_RUNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : defaultRuns;
}

export function fuzzSeed(defaultSeed: number): number {
  const fromEnv = Number(process.env.PHANTOM_FUZZ_SEED);
  return Number.isInteger(fromEnv) ? fromEnv : defaultSeed;
}

/** Names that reach an object's prototype when used as keys: the classic lookup-table trap. */
export const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__'];
