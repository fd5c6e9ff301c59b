import { QueryError } from './errors';

/**
 * Values and types of the query language, with PostgreSQL's semantics where they can
 * differ: int is PostgreSQL's int4 (checked on overflow), COUNT and SUM are bigint, AVG
 * is numeric (computed as a double: SUM and COUNT are exact integers, so equal averages
 * give equal doubles), text compares by Unicode code point (PostgreSQL's "C" collation),
 * false sorts before true, and NULL sorts last ascending and first descending.
 */

/** Types of stored columns. */
export type ColumnType = 'int' | 'text' | 'bool';

/** Types of expressions: column types, the wider results of aggregates, and an untyped NULL. */
export type SqlType = ColumnType | 'bigint' | 'numeric' | 'unknown';

export type Value = number | string | boolean | null;

export const int4Min = -2_147_483_648;
export const int4Max = 2_147_483_647;

export function isNumericType(type: SqlType): boolean {
  return type === 'int' || type === 'bigint' || type === 'numeric';
}

/** PostgreSQL's spelling of a type, for messages. */
export function typeName(type: SqlType): string {
  switch (type) {
    case 'int':
      return 'integer';
    case 'bool':
      return 'boolean';
    case 'unknown':
      return 'unknown';
    default:
      return type;
  }
}

/** True when values of the two types can be compared with each other. */
export function comparable(left: SqlType, right: SqlType): boolean {
  if (left === 'unknown' || right === 'unknown') return true;
  if (isNumericType(left) && isNumericType(right)) return true;
  return left === right;
}

/** Orders two non-null values of comparable types: negative, zero or positive. */
export function compareValues(left: Value, right: Value): number {
  if (typeof left === 'number' && typeof right === 'number') return left < right ? -1 : left > right ? 1 : 0;
  if (typeof left === 'string' && typeof right === 'string') return compareCodePoints(left, right);
  if (typeof left === 'boolean' && typeof right === 'boolean') return left === right ? 0 : left ? 1 : -1;
  throw new QueryError('type', `cannot compare ${JSON.stringify(left)} with ${JSON.stringify(right)}`);
}

/**
 * Code point order of two strings (what PostgreSQL's "C" collation gives on UTF-8).
 * UTF-16 code units order surrogates (characters above U+FFFF) before U+E000–U+FFFF;
 * shifting both ranges restores code point order without decoding.
 */
export function compareCodePoints(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    const a = left.charCodeAt(index);
    const b = right.charCodeAt(index);
    if (a !== b) return codePointRank(a) - codePointRank(b);
  }
  return left.length - right.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** Sort order of one key: ASC puts NULL last and DESC puts it first, unless told otherwise (as PostgreSQL). */
export interface SortDirection {
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

export function compareForSort(left: Value, right: Value, direction: SortDirection): number {
  if (left === null || right === null) {
    if (left === right) return 0;
    return (left === null) === direction.nullsFirst ? -1 : 1;
  }
  const order = compareValues(left, right);
  return direction.descending ? -order : order;
}

/** Checks a value against a column type, as an insert must. */
export function checkColumnValue(value: unknown, type: ColumnType, what: string): Value {
  if (value === null) return null;
  switch (type) {
    case 'int':
      if (typeof value === 'number' && Number.isInteger(value) && value >= int4Min && value <= int4Max) return value;
      throw new QueryError('data', `${what} must be an integer between ${int4Min} and ${int4Max}, got ${JSON.stringify(value)}`);
    case 'text':
      if (typeof value === 'string') return value;
      throw new QueryError('data', `${what} must be text, got ${JSON.stringify(value)}`);
    case 'bool':
      if (typeof value === 'boolean') return value;
      throw new QueryError('data', `${what} must be true or false, got ${JSON.stringify(value)}`);
  }
}

/** Parses the text form of a value of a column type (data tables, generated rows). "NULL" is null. */
export function parseColumnValue(text: string, type: ColumnType, what: string): Value {
  if (text === 'NULL') return null;
  switch (type) {
    case 'int': {
      if (!/^-?\d+$/.test(text.trim())) throw new QueryError('data', `${what} must be an integer, got ${JSON.stringify(text)}`);
      return checkColumnValue(Number(text.trim()), 'int', what);
    }
    case 'bool':
      if (text === 'true' || text === 'false') return text === 'true';
      throw new QueryError('data', `${what} must be true or false, got ${JSON.stringify(text)}`);
    case 'text':
      return text;
  }
}

/** The text a value is shown as in results: PostgreSQL's output form (t/f would be psql's; we print true/false). */
export function formatValue(value: Value): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Number(value.toPrecision(15)));
  return String(value);
}
