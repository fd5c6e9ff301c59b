/** Fails loudly when a condition the membership code relies on does not hold: a bug, not an input error. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`cluster invariant violated: ${message}`);
}
