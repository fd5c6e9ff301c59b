import type { Expr as AstExpr, From, SelectFromStatement, SelectedColumn, Statement } from 'pgsql-ast-parser';
import { positionOf, QueryError } from './errors';
import { type AggregateCall, type AggregateFunction, type ArithmeticOperator, type ComparisonOperator, type Expr, sameExpr } from './expression';
import type { Catalog, TableSchema } from './schema';
import { comparable, int4Max, int4Min, isNumericType, type SqlType, typeName } from './values';

/**
 * The binder: resolves the names of a parsed SELECT against the catalog, checks types,
 * and produces a bound query whose expressions are plain data (src/query/expression.ts).
 * Anything outside the supported subset is refused by name.
 *
 * Before aggregation an expression reads the joined row: the first table's columns, then
 * the second's. After aggregation it reads [group keys…, aggregates…], so HAVING, the
 * select list and ORDER BY of a grouped query refer to group keys and aggregates only, as
 * SQL requires.
 */

export interface BoundTable {
  readonly schema: TableSchema;
  readonly alias: string;
  /** Index of the table's first column in the joined row. */
  readonly offset: number;
}

export interface OutputColumn {
  readonly name: string;
  readonly expr: Expr;
}

export interface SortKey {
  readonly expr: Expr;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
  /** As written, for EXPLAIN. */
  readonly text: string;
}

export interface BoundQuery {
  readonly text: string;
  readonly tables: readonly BoundTable[];
  readonly joinOn: Expr | null;
  readonly where: Expr | null;
  readonly grouped: boolean;
  readonly groupBy: readonly Expr[];
  readonly aggregates: readonly AggregateCall[];
  readonly outputs: readonly OutputColumn[];
  readonly having: Expr | null;
  readonly orderBy: readonly SortKey[];
  readonly limit: number | null;
  readonly offset: number;
}

const aggregateNames: ReadonlySet<string> = new Set(['count', 'sum', 'min', 'max', 'avg']);
const allowedSelectKeys: ReadonlySet<string> = new Set(['type', 'columns', 'from', 'where', 'groupBy', 'having', 'orderBy', 'limit', '_location']);
const selectFeatureNames: Readonly<Record<string, string>> = {
  distinct: 'SELECT DISTINCT is not supported',
  for: 'FOR UPDATE and FOR SHARE are not supported',
  skip: 'SKIP LOCKED is not supported',
  window: 'window functions are not supported',
};
const statementNames: Readonly<Record<string, string>> = {
  union: 'UNION is not supported',
  'union all': 'UNION is not supported',
  with: 'WITH queries (common table expressions) are not supported',
  'with recursive': 'WITH queries (common table expressions) are not supported',
  values: 'VALUES lists are not supported',
  insert: 'INSERT is not supported here: rows are inserted through the client API',
  update: 'UPDATE is not supported: only SELECT and EXPLAIN are',
  delete: 'DELETE is not supported: only SELECT and EXPLAIN are',
};

interface Scope {
  readonly text: string;
  readonly tables: readonly BoundTable[];
}

interface GroupContext {
  readonly groupBy: readonly Expr[];
  readonly aggregates: AggregateCall[];
}

export function bindStatement(statement: Statement, catalog: Catalog, text: string): BoundQuery {
  if (statement.type !== 'select') throw new QueryError('unsupported', statementNames[statement.type] ?? `${statement.type.toUpperCase()} statements are not supported: only SELECT and EXPLAIN are`);
  return bindSelect(statement as SelectFromStatement, catalog, text);
}

function bindSelect(select: SelectFromStatement, catalog: Catalog, text: string): BoundQuery {
  for (const key of Object.keys(select)) {
    if (allowedSelectKeys.has(key) || (select as unknown as Record<string, unknown>)[key] === undefined) continue;
    throw new QueryError('unsupported', selectFeatureNames[key] ?? `${key} is not supported in a query`);
  }
  const { tables, joinOn: joinAst } = bindFrom(select.from ?? [], catalog, text);
  const scope: Scope = { text, tables };
  const joinOn = joinAst === null ? null : condition(bindRow(joinAst, scope), 'JOIN … ON', joinAst, text);
  if (select.where && containsAggregate(select.where)) throw new QueryError('unsupported', `aggregate functions are not allowed in WHERE${positionOf(text, select.where)}`);
  const where = select.where ? condition(bindRow(select.where, scope), 'WHERE', select.where, text) : null;
  const columns = expandStars(select.columns ?? [], scope);
  const grouped = (select.groupBy?.length ?? 0) > 0 || select.having != null || columns.some((column) => containsAggregate(column.ast)) || (select.orderBy ?? []).some((item) => containsAggregate(item.by));
  const groupBy = (select.groupBy ?? []).map((item) => bindGroupItem(item, columns, scope));
  const group: GroupContext = { groupBy, aggregates: [] };
  const bind = (ast: AstExpr): Expr => (grouped ? bindGrouped(ast, scope, group) : bindRow(ast, scope));
  const outputs = columns.map((column) => ({ name: column.name, expr: bind(column.ast) }));
  const having = select.having ? condition(bind(select.having), 'HAVING', select.having, text) : null;
  const orderBy = (select.orderBy ?? []).map((item): SortKey => {
    const descending = item.order === 'DESC';
    const nullsFirst = item.nulls === undefined ? descending : item.nulls === 'FIRST';
    const written = item.by.type === 'integer' && columns[item.by.value - 1] !== undefined ? columns[item.by.value - 1].name : sourceText(text, item.by);
    return { expr: bindOrderItem(item.by, columns, outputs, bind, text), descending, nullsFirst, text: written + (descending ? ' DESC' : '') };
  });
  const { limit, offset } = bindLimit(select.limit, text);
  return { text, tables, joinOn, where, grouped, groupBy, aggregates: group.aggregates, outputs, having, orderBy, limit, offset };
}

// ---- FROM -----------------------------------------------------------------------------------

function bindFrom(from: readonly From[], catalog: Catalog, text: string): { tables: BoundTable[]; joinOn: AstExpr | null } {
  if (from.length === 0) throw new QueryError('unsupported', 'a query needs FROM and a table: SELECT without FROM is not supported');
  if (from.length > 2) throw new QueryError('unsupported', `joins of more than two tables are not supported (this query names ${from.length})`);
  const tables: BoundTable[] = [];
  let joinOn: AstExpr | null = null;
  for (const [position, item] of from.entries()) {
    if (item.type === 'statement') throw new QueryError('unsupported', `subqueries are not supported${positionOf(text, item)}`);
    if (item.type !== 'table') throw new QueryError('unsupported', `table functions in FROM are not supported${positionOf(text, item)}`);
    if (item.name.schema !== undefined) throw new QueryError('unsupported', `schema-qualified names (${item.name.schema}.${item.name.name}) are not supported`);
    if (position === 1) joinOn = joinCondition(item, text);
    const schema = catalog.table(item.name.name);
    const alias = item.name.alias ?? schema.name;
    if (tables.some((table) => table.alias === alias)) throw new QueryError('unsupported', `table name "${alias}" is used twice in FROM; give one of them an alias`);
    tables.push({ schema, alias, offset: tables.reduce((sum, table) => sum + table.schema.columns.length, 0) });
  }
  return { tables, joinOn };
}

function joinCondition(item: Extract<From, { type: 'table' }>, text: string): AstExpr {
  const join = item.join;
  if (join === undefined || join === null) throw new QueryError('unsupported', 'a list of tables in FROM (a comma join) is not supported; write JOIN … ON');
  if (join.type !== 'INNER JOIN') throw new QueryError('unsupported', `${join.type} is not supported: only inner joins (JOIN … ON) are`);
  if (join.using !== undefined && join.using !== null) throw new QueryError('unsupported', 'JOIN … USING is not supported; write JOIN … ON');
  if (join.on === undefined || join.on === null) throw new QueryError('unsupported', `a join needs an ON condition${positionOf(text, item)}`);
  return join.on;
}

// ---- select list, GROUP BY, ORDER BY, LIMIT ----------------------------------------------------

interface SelectItem {
  readonly name: string;
  readonly ast: AstExpr;
}

function expandStars(columns: readonly SelectedColumn[], scope: Scope): SelectItem[] {
  return columns.flatMap((column): SelectItem[] => {
    const expr = column.expr;
    if (expr.type === 'ref' && expr.name === '*') {
      const tables = expr.table === undefined ? scope.tables : [tableByAlias(expr.table.name, scope, expr)];
      return tables.flatMap((table) => table.schema.columns.map((col) => ({ name: col.name, ast: { type: 'ref', table: { name: table.alias }, name: col.name } as AstExpr })));
    }
    return [{ name: column.alias?.name ?? defaultName(expr), ast: expr }];
  });
}

/** PostgreSQL's name for an unnamed output column. */
function defaultName(expr: AstExpr): string {
  if (expr.type === 'ref') return expr.name;
  if (expr.type === 'call') return expr.function.name;
  return '?column?';
}

function bindGroupItem(item: AstExpr, columns: readonly SelectItem[], scope: Scope): Expr {
  let target = item;
  if (item.type === 'integer') target = outputAt(item.value, columns, 'GROUP BY', scope.text, item).ast;
  else if (item.type === 'ref' && item.table === undefined && !inputHasColumn(item.name, scope)) {
    // GROUP BY prefers an input column and falls back to an output name, as PostgreSQL does.
    const output = columns.find((column) => column.name === item.name);
    if (output !== undefined) target = output.ast;
  }
  if (containsAggregate(target)) throw new QueryError('unsupported', `aggregate functions are not allowed in GROUP BY${positionOf(scope.text, item)}`);
  return bindRow(target, scope);
}

function bindOrderItem(item: AstExpr, columns: readonly SelectItem[], outputs: readonly OutputColumn[], bind: (ast: AstExpr) => Expr, text: string): Expr {
  if (item.type === 'integer') {
    outputAt(item.value, columns, 'ORDER BY', text, item);
    return outputs[item.value - 1].expr;
  }
  // A bare name that is an output column's name means that column (PostgreSQL's rule).
  if (item.type === 'ref' && item.table === undefined) {
    const matches = columns.flatMap((column, index) => (column.name === item.name ? [index] : []));
    if (matches.length > 1 && !matches.every((index) => sameExpr(outputs[index].expr, outputs[matches[0]].expr))) {
      throw new QueryError('unknown-name', `ORDER BY "${item.name}" is ambiguous${positionOf(text, item)}`);
    }
    if (matches.length > 0) return outputs[matches[0]].expr;
  }
  return bind(item);
}

function outputAt(position: number, columns: readonly SelectItem[], clause: string, text: string, node: unknown): SelectItem {
  if (!Number.isInteger(position) || position < 1 || position > columns.length) {
    throw new QueryError('unknown-name', `${clause} position ${position} is not in the select list (it has ${columns.length} columns)${positionOf(text, node)}`);
  }
  return columns[position - 1];
}

function bindLimit(limit: SelectFromStatement['limit'], text: string): { limit: number | null; offset: number } {
  const constant = (expr: AstExpr | undefined, clause: string): number | null => {
    if (expr === undefined || expr === null) return null;
    if (expr.type === 'null' && clause === 'LIMIT') return null;
    if (expr.type !== 'integer' || expr.value < 0) throw new QueryError('unsupported', `${clause} must be a non-negative whole number${positionOf(text, expr)}`);
    return expr.value;
  };
  return { limit: constant(limit?.limit ?? undefined, 'LIMIT'), offset: constant(limit?.offset ?? undefined, 'OFFSET') ?? 0 };
}

// ---- expressions ------------------------------------------------------------------------------

function containsAggregate(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  const record = node as Record<string, unknown>;
  if (record.type === 'call' && aggregateNames.has((record.function as { name: string }).name)) return true;
  return Object.entries(record).some(([key, value]) => key !== '_location' && containsAggregate(value));
}

/** Binds an expression over the joined row (no aggregates allowed). */
function bindRow(ast: AstExpr, scope: Scope): Expr {
  return bindExpr(ast, scope, (node) => {
    if (node.type === 'call' && aggregateNames.has(node.function.name)) throw new QueryError('unsupported', `aggregate functions are not allowed here${positionOf(scope.text, node)}`);
    return undefined;
  });
}

/** Binds an expression after aggregation: group keys and aggregates become columns of [keys…, aggregates…]. */
function bindGrouped(ast: AstExpr, scope: Scope, group: GroupContext): Expr {
  return bindExpr(ast, scope, (node) => {
    if (node.type === 'call' && aggregateNames.has(node.function.name)) return aggregateColumn(node, scope, group);
    if (containsAggregate(node)) return undefined;
    const bound = bindRow(node, scope);
    const key = group.groupBy.findIndex((expr) => sameExpr(expr, bound));
    if (key >= 0) return { k: 'col', i: key, t: bound.t, name: bound.k === 'col' ? bound.name : `group key ${key + 1}` };
    if (bound.k === 'col') throw new QueryError('unknown-name', `column "${bound.name}" must appear in the GROUP BY clause or be used in an aggregate function${positionOf(scope.text, node)}`);
    if (bound.k === 'const') return bound;
    return undefined;
  });
}

function aggregateColumn(node: Extract<AstExpr, { type: 'call' }>, scope: Scope, group: GroupContext): Expr {
  const name = node.function.name as AggregateFunction;
  const where = positionOf(scope.text, node);
  if (node.over !== undefined && node.over !== null) throw new QueryError('unsupported', `window functions are not supported${where}`);
  if (node.distinct !== undefined && node.distinct !== null) throw new QueryError('unsupported', `DISTINCT inside ${name.toUpperCase()}() is not supported${where}`);
  if (node.filter !== undefined && node.filter !== null) throw new QueryError('unsupported', `FILTER on an aggregate is not supported${where}`);
  if (node.orderBy !== undefined && node.orderBy !== null) throw new QueryError('unsupported', `ORDER BY inside an aggregate is not supported${where}`);
  const args = node.args ?? [];
  const star = args.length === 1 && args[0].type === 'ref' && args[0].name === '*' && args[0].table === undefined;
  if (star && name !== 'count') throw new QueryError('unsupported', `${name.toUpperCase()}(*) does not exist; only COUNT(*) does${where}`);
  if (args.length !== 1) throw new QueryError('unsupported', `${name.toUpperCase()} takes one argument, got ${args.length}${where}`);
  if (!star && containsAggregate(args[0])) throw new QueryError('unsupported', `aggregate function calls cannot be nested${where}`);
  const arg = star ? null : bindRow(args[0], scope);
  const call: AggregateCall = { fn: name, arg, t: aggregateType(name, arg, where) };
  let index = group.aggregates.findIndex((existing) => JSON.stringify(existing) === JSON.stringify(call));
  if (index < 0) index = group.aggregates.push(call) - 1;
  return { k: 'col', i: group.groupBy.length + index, t: call.t, name: `${name}(${star ? '*' : sourceText(scope.text, args[0])})` };
}

function aggregateType(name: AggregateFunction, arg: Expr | null, where: string): SqlType {
  if (name === 'count') return 'bigint';
  const type = arg!.t;
  const numeric = isNumericType(type) || type === 'unknown';
  if ((name === 'sum' || name === 'avg') && !numeric) throw new QueryError('type', `function ${name}(${typeName(type)}) does not exist${where}`);
  if ((name === 'min' || name === 'max') && type === 'bool') throw new QueryError('type', `function ${name}(boolean) does not exist${where}`);
  if (name === 'avg') return 'numeric';
  if (name === 'sum') return type === 'numeric' ? 'numeric' : 'bigint';
  return type;
}

type Leaf = (node: AstExpr) => Expr | undefined;

/** Structural binding; `leaf` may take over a node (aggregates, group keys) before the structure is looked at. */
function bindExpr(ast: AstExpr, scope: Scope, leaf: Leaf): Expr {
  const taken = leaf(ast);
  if (taken !== undefined) return taken;
  const where = positionOf(scope.text, ast);
  const recurse = (node: AstExpr): Expr => bindExpr(node, scope, leaf);
  switch (ast.type) {
    case 'ref':
      if (ast.name === '*') throw new QueryError('unsupported', `* is only allowed alone in the select list or in COUNT(*)${where}`);
      return columnRef(ast.name, ast.table?.name, scope, ast);
    case 'integer':
      return { k: 'const', v: ast.value, t: ast.value >= int4Min && ast.value <= int4Max ? 'int' : 'bigint' };
    case 'numeric':
      throw new QueryError('unsupported', `decimal numbers are not supported (the column types are int, text and bool)${where}`);
    case 'string':
      return { k: 'const', v: ast.value, t: 'text' };
    case 'boolean':
      return { k: 'const', v: ast.value, t: 'bool' };
    case 'null':
      return { k: 'const', v: null, t: 'unknown' };
    case 'binary':
      return bindBinary(ast, scope, recurse, where);
    case 'unary':
      return bindUnary(ast, recurse, where);
    case 'ternary': {
      const arg = recurse(ast.value);
      const lo = recurse(ast.lo);
      const hi = recurse(ast.hi);
      for (const bound of [lo, hi]) checkComparable(arg, bound, 'BETWEEN', where);
      return { k: 'between', arg, lo, hi, neg: ast.op === 'NOT BETWEEN', t: 'bool' };
    }
    case 'call':
      if (ast.over !== undefined && ast.over !== null) throw new QueryError('unsupported', `window functions are not supported${where}`);
      throw new QueryError('unsupported', `function ${ast.function.name}() is not supported (the functions are COUNT, SUM, MIN, MAX and AVG)${where}`);
    default:
      throw new QueryError('unsupported', `${unsupportedExpression(ast.type)} not supported${where}`);
  }
}

function unsupportedExpression(type: string): string {
  const names: Record<string, string> = {
    select: 'subqueries are',
    union: 'subqueries are',
    cast: 'type casts are',
    case: 'CASE expressions are',
    parameter: 'query parameters are',
    array: 'arrays are',
    list: 'a parenthesized list is only allowed after IN; it is',
    keyword: 'SQL keywords such as CURRENT_DATE are',
    member: 'JSON operators are',
    arrayIndex: 'array subscripts are',
    extract: 'EXTRACT is',
    overlay: 'OVERLAY is',
    substring: 'SUBSTRING is',
    constant: 'typed constants are',
    default: 'DEFAULT is',
  };
  return names[type] ?? `${type} expressions are`;
}

const comparisonOps: Readonly<Record<string, ComparisonOperator>> = { '=': '=', '!=': '<>', '<>': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const arithmeticOps: ReadonlySet<string> = new Set(['+', '-', '*', '/', '%']);

function bindBinary(ast: Extract<AstExpr, { type: 'binary' }>, scope: Scope, recurse: (node: AstExpr) => Expr, where: string): Expr {
  const op = ast.op as string;
  if (op === 'AND' || op === 'OR') {
    const args = [recurse(ast.left), recurse(ast.right)].map((arg) => requireBool(arg, op, where));
    return { k: op === 'AND' ? 'and' : 'or', args, t: 'bool' };
  }
  if (op === 'IN' || op === 'NOT IN') {
    const arg = recurse(ast.left);
    const items = ast.right.type === 'list' ? ast.right.expressions : [ast.right];
    if (items.some((item) => item.type === 'select' || item.type === 'union')) throw new QueryError('unsupported', `subqueries are not supported${where}`);
    const list = items.map((item) => recurse(item));
    for (const item of list) checkComparable(arg, item, 'IN', where);
    return { k: 'in', arg, list, neg: op === 'NOT IN', t: 'bool' };
  }
  const comparison = comparisonOps[op];
  if (comparison !== undefined) {
    const l = recurse(ast.left);
    const r = recurse(ast.right);
    checkComparable(l, r, comparison, where);
    return { k: 'cmp', op: comparison, l, r, t: 'bool' };
  }
  if (arithmeticOps.has(op)) {
    const l = recurse(ast.left);
    const r = recurse(ast.right);
    for (const side of [l, r]) {
      if (!isNumericType(side.t) && side.t !== 'unknown') throw new QueryError('type', `operator does not exist: ${typeName(l.t)} ${op} ${typeName(r.t)}${where}`);
    }
    return { k: 'arith', op: op as ArithmeticOperator, l, r, t: arithmeticType(l.t, r.t) };
  }
  throw new QueryError('unsupported', `the operator ${op} is not supported${where}`);
}

function bindUnary(ast: Extract<AstExpr, { type: 'unary' }>, recurse: (node: AstExpr) => Expr, where: string): Expr {
  const arg = recurse(ast.operand);
  switch (ast.op) {
    case 'NOT':
      return { k: 'not', arg: requireBool(arg, 'NOT', where), t: 'bool' };
    case '-':
      if (!isNumericType(arg.t) && arg.t !== 'unknown') throw new QueryError('type', `operator does not exist: - ${typeName(arg.t)}${where}`);
      return { k: 'neg', arg, t: arg.t === 'unknown' ? 'int' : arg.t };
    case '+':
      if (!isNumericType(arg.t) && arg.t !== 'unknown') throw new QueryError('type', `operator does not exist: + ${typeName(arg.t)}${where}`);
      return arg;
    case 'IS NULL':
    case 'IS NOT NULL':
      return { k: 'isnull', arg, neg: ast.op === 'IS NOT NULL', t: 'bool' };
    default:
      throw new QueryError('unsupported', `${ast.op} is not supported (IS NULL and IS NOT NULL are)${where}`);
  }
}

function arithmeticType(left: SqlType, right: SqlType): SqlType {
  if (left === 'numeric' || right === 'numeric') return 'numeric';
  if (left === 'bigint' || right === 'bigint') return 'bigint';
  return 'int';
}

function checkComparable(left: Expr, right: Expr, op: string, where: string): void {
  if (!comparable(left.t, right.t)) throw new QueryError('type', `operator does not exist: ${typeName(left.t)} ${op} ${typeName(right.t)}${where}`);
}

function requireBool(expr: Expr, clause: string, where: string): Expr {
  if (expr.t !== 'bool' && expr.t !== 'unknown') throw new QueryError('type', `argument of ${clause} must be type boolean, not type ${typeName(expr.t)}${where}`);
  return expr;
}

function condition(expr: Expr, clause: string, node: unknown, text: string): Expr {
  return requireBool(expr, clause, positionOf(text, node));
}

function columnRef(name: string, tableName: string | undefined, scope: Scope, node: unknown): Expr {
  const where = positionOf(scope.text, node);
  const tables = tableName === undefined ? scope.tables : [tableByAlias(tableName, scope, node)];
  const matches = tables.flatMap((table) => table.schema.columns.flatMap((column, index) => (column.name === name ? [{ table, column, index }] : [])));
  if (matches.length === 0) {
    const known = tables.flatMap((table) => table.schema.columns.map((column) => (scope.tables.length > 1 ? `${table.alias}.${column.name}` : column.name))).join(', ');
    const label = tableName === undefined ? `column "${name}"` : `column ${tableName}.${name}`;
    throw new QueryError('unknown-name', `${label} does not exist${where} (columns: ${known})`);
  }
  if (matches.length > 1) throw new QueryError('unknown-name', `column reference "${name}" is ambiguous${where}: write ${matches.map((match) => `${match.table.alias}.${name}`).join(' or ')}`);
  const { table, column, index } = matches[0];
  return { k: 'col', i: table.offset + index, t: column.type, name: scope.tables.length > 1 ? `${table.alias}.${column.name}` : column.name };
}

function tableByAlias(alias: string, scope: Scope, node: unknown): BoundTable {
  const table = scope.tables.find((candidate) => candidate.alias === alias);
  if (table === undefined) throw new QueryError('unknown-name', `missing FROM-clause entry for table "${alias}"${positionOf(scope.text, node)}`);
  return table;
}

function inputHasColumn(name: string, scope: Scope): boolean {
  return scope.tables.some((table) => table.schema.columns.some((column) => column.name === name));
}

/** The source text of a node (for EXPLAIN and names), or a placeholder when it has no location. */
export function sourceText(text: string, node: unknown): string {
  const location = (node as { _location?: { start: number; end: number } } | undefined)?._location;
  return location === undefined ? '…' : text.slice(location.start, location.end);
}
