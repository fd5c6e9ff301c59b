/**
 * Every problem a query can have, as one error type with a kind, so that callers can
 * tell a mistake in the query (syntax, unknown name, unsupported feature, type) from a
 * failure while running it (a shard that did not answer, a value out of range).
 */
export type QueryErrorKind = 'syntax' | 'unknown-name' | 'unsupported' | 'type' | 'runtime' | 'unavailable' | 'data' | 'forbidden';

export class QueryError extends Error {
  constructor(
    readonly kind: QueryErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

/** Line and column (both from 1) of a character offset in the query text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/** " at line L, column C" for an AST node that carries a location, or "" when it does not. */
export function positionOf(text: string, node: unknown): string {
  const location = (node as { _location?: { start: number } } | undefined)?._location;
  if (location === undefined) return '';
  const { line, column } = lineAndColumn(text, location.start);
  return ` at line ${line}, column ${column}`;
}
