import { QueryError } from './errors';
import { compareValues, int4Max, int4Min, type SqlType, type Value } from './values';

/**
 * Bound expressions: plain JSON, so that the planner can ship them to the shards inside a
 * query fragment. A column is an index into the row being evaluated: a stored row (or the
 * two rows of a join side by side) before aggregation, and [group keys…, aggregates…]
 * after it.
 */
export type ComparisonOperator = '=' | '<>' | '<' | '<=' | '>' | '>=';
export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%';

export type Expr =
  | { readonly k: 'col'; readonly i: number; readonly t: SqlType; readonly name: string }
  | { readonly k: 'const'; readonly v: Value; readonly t: SqlType }
  | { readonly k: 'arith'; readonly op: ArithmeticOperator; readonly l: Expr; readonly r: Expr; readonly t: SqlType }
  | { readonly k: 'cmp'; readonly op: ComparisonOperator; readonly l: Expr; readonly r: Expr; readonly t: 'bool' }
  | { readonly k: 'and' | 'or'; readonly args: readonly Expr[]; readonly t: 'bool' }
  | { readonly k: 'not'; readonly arg: Expr; readonly t: 'bool' }
  | { readonly k: 'neg'; readonly arg: Expr; readonly t: SqlType }
  | { readonly k: 'in'; readonly arg: Expr; readonly list: readonly Expr[]; readonly neg: boolean; readonly t: 'bool' }
  | { readonly k: 'between'; readonly arg: Expr; readonly lo: Expr; readonly hi: Expr; readonly neg: boolean; readonly t: 'bool' }
  | { readonly k: 'isnull'; readonly arg: Expr; readonly neg: boolean; readonly t: 'bool' };

export type AggregateFunction = 'count' | 'sum' | 'min' | 'max' | 'avg';

/** One aggregate call; `arg` null is COUNT(*). */
export interface AggregateCall {
  readonly fn: AggregateFunction;
  readonly arg: Expr | null;
  readonly t: SqlType;
}

export function evaluate(expr: Expr, row: readonly Value[]): Value {
  switch (expr.k) {
    case 'col':
      return row[expr.i];
    case 'const':
      return expr.v;
    case 'arith':
      return arithmetic(expr.op, evaluate(expr.l, row), evaluate(expr.r, row), expr.t);
    case 'cmp':
      return compare(expr.op, evaluate(expr.l, row), evaluate(expr.r, row));
    case 'and':
      return logical(expr.args, row, false);
    case 'or':
      return logical(expr.args, row, true);
    case 'not': {
      const value = evaluate(expr.arg, row);
      return value === null ? null : !value;
    }
    case 'neg': {
      const value = evaluate(expr.arg, row);
      return value === null ? null : checkRange(-(value as number), expr.t);
    }
    case 'in':
      return negateIf(inList(evaluate(expr.arg, row), expr.list, row), expr.neg);
    case 'between': {
      const value = evaluate(expr.arg, row);
      const low = compare('>=', value, evaluate(expr.lo, row));
      const high = compare('<=', value, evaluate(expr.hi, row));
      return negateIf(and3(low, high), expr.neg);
    }
    case 'isnull':
      return (evaluate(expr.arg, row) === null) !== expr.neg;
  }
}

/** A WHERE, ON or HAVING condition keeps a row only when it is true (not false, not NULL). */
export function holds(expr: Expr | null, row: readonly Value[]): boolean {
  return expr === null || evaluate(expr, row) === true;
}

function negateIf(value: Value, negate: boolean): Value {
  return value === null || !negate ? value : !value;
}

function and3(left: Value, right: Value): Value {
  if (left === false || right === false) return false;
  if (left === null || right === null) return null;
  return true;
}

/** Three-valued AND/OR: a deciding value wins over NULL. */
function logical(args: readonly Expr[], row: readonly Value[], isOr: boolean): Value {
  let sawNull = false;
  for (const arg of args) {
    const value = evaluate(arg, row);
    if (value === null) sawNull = true;
    else if (value === isOr) return isOr;
  }
  return sawNull ? null : !isOr;
}

function inList(value: Value, list: readonly Expr[], row: readonly Value[]): Value {
  if (value === null) return null;
  let sawNull = false;
  for (const item of list) {
    const candidate = evaluate(item, row);
    if (candidate === null) sawNull = true;
    else if (compareValues(value, candidate) === 0) return true;
  }
  return sawNull ? null : false;
}

function compare(op: ComparisonOperator, left: Value, right: Value): Value {
  if (left === null || right === null) return null;
  const order = compareValues(left, right);
  switch (op) {
    case '=':
      return order === 0;
    case '<>':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

function arithmetic(op: ArithmeticOperator, left: Value, right: Value, type: SqlType): Value {
  if (left === null || right === null) return null;
  const a = left as number;
  const b = right as number;
  switch (op) {
    case '+':
      return checkRange(a + b, type);
    case '-':
      return checkRange(a - b, type);
    case '*':
      return checkRange(a * b, type);
    case '/':
      if (b === 0) throw new QueryError('runtime', 'division by zero');
      // Integer division truncates toward zero, as in PostgreSQL.
      return type === 'numeric' ? a / b : checkRange(Math.trunc(a / b), type);
    case '%':
      if (b === 0) throw new QueryError('runtime', 'division by zero');
      return checkRange(a % b, type);
  }
}

function checkRange(value: number, type: SqlType): number {
  if (type === 'int' && (value < int4Min || value > int4Max)) throw new QueryError('runtime', 'integer out of range');
  if (type === 'bigint' && !Number.isSafeInteger(value)) throw new QueryError('runtime', 'bigint out of range (beyond 2^53, which this engine computes exactly)');
  return value === 0 ? 0 : value; // no negative zero
}

// ---- aggregates: partial states per shard, combined at the coordinator ---------------------

/** The partial state of one aggregate: a count, a sum (null before the first value), a min/max, or AVG's [sum, count]. */
export type PartialState = number | Value | readonly [number, number];

export function initialState(call: AggregateCall): PartialState {
  if (call.fn === 'count') return 0;
  if (call.fn === 'avg') return [0, 0];
  return null;
}

/** Folds one input row into a partial state. */
export function accumulate(call: AggregateCall, state: PartialState, row: readonly Value[]): PartialState {
  if (call.arg === null) return (state as number) + 1;
  const value = evaluate(call.arg, row);
  if (value === null) return state;
  return fold(call, state, call.fn === 'avg' ? [value as number, 1] : call.fn === 'count' ? 1 : value);
}

/** Combines a partial state from another shard: COUNT and SUM add, MIN and MAX compare, AVG adds sum and count. */
export function combine(call: AggregateCall, state: PartialState, other: PartialState): PartialState {
  if (other === null) return state;
  if (call.fn === 'avg' && (other as readonly [number, number])[1] === 0) return state;
  return fold(call, state, other);
}

function fold(call: AggregateCall, state: PartialState, value: PartialState): PartialState {
  switch (call.fn) {
    case 'count':
      return (state as number) + (value as number);
    case 'sum':
      return state === null ? value : checkRange((state as number) + (value as number), 'bigint');
    case 'min':
      return state === null || compareValues(value as Value, state as Value) < 0 ? value : state;
    case 'max':
      return state === null || compareValues(value as Value, state as Value) > 0 ? value : state;
    case 'avg': {
      const [sum, count] = state as readonly [number, number];
      const [addSum, addCount] = value as readonly [number, number];
      return [checkRange(sum + addSum, 'bigint'), count + addCount];
    }
  }
}

/** The final value of an aggregate from its combined state (AVG divides only here). */
export function finish(call: AggregateCall, state: PartialState): Value {
  if (call.fn !== 'avg') return state as Value;
  const [sum, count] = state as readonly [number, number];
  return count === 0 ? null : sum / count;
}

/** Columns an expression reads (indexes into its input row). */
export function columnsOf(expr: Expr | null, into: Set<number> = new Set()): Set<number> {
  if (expr === null) return into;
  switch (expr.k) {
    case 'col':
      into.add(expr.i);
      break;
    case 'const':
      break;
    case 'arith':
    case 'cmp':
      columnsOf(expr.l, into);
      columnsOf(expr.r, into);
      break;
    case 'and':
    case 'or':
      for (const arg of expr.args) columnsOf(arg, into);
      break;
    case 'not':
    case 'neg':
    case 'isnull':
      columnsOf(expr.arg, into);
      break;
    case 'in':
      columnsOf(expr.arg, into);
      for (const item of expr.list) columnsOf(item, into);
      break;
    case 'between':
      columnsOf(expr.arg, into);
      columnsOf(expr.lo, into);
      columnsOf(expr.hi, into);
      break;
  }
  return into;
}

/** The conjuncts of a condition: `a AND (b AND c)` is [a, b, c]. */
export function conjuncts(expr: Expr | null): Expr[] {
  if (expr === null) return [];
  if (expr.k === 'and') return expr.args.flatMap((arg) => conjuncts(arg));
  return [expr];
}

export function sameExpr(left: Expr, right: Expr): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}
