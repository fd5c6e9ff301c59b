import fc from 'fast-check';
import { Catalog, defineTable, type Row, type TableSchema } from '../../src/query';

/**
 * Random rows and random queries of the supported subset, for the oracle property tests.
 * Three tables: `t` and `u` distributed by id (co-located), and the reference table `r`.
 * Values are small so that arithmetic stays far from overflow, and text uses upper and
 * lower case, an accent and the empty string so that collation differences would show.
 */

export const tableT = defineTable({ name: 't', kind: 'distributed', columns: [{ name: 'id', type: 'int' }, { name: 'g', type: 'int' }, { name: 'v', type: 'int' }, { name: 's', type: 'text' }, { name: 'b', type: 'bool' }], primaryKey: ['id'], distributionColumn: 'id' });
export const tableU = defineTable({ name: 'u', kind: 'distributed', columns: [{ name: 'id', type: 'int' }, { name: 'w', type: 'int' }, { name: 'note', type: 'text' }], primaryKey: ['id'], distributionColumn: 'id' });
export const tableR = defineTable({ name: 'r', kind: 'reference', columns: [{ name: 'k', type: 'int' }, { name: 'label', type: 'text' }], primaryKey: ['k'] });

export function catalog(): Catalog {
  const result = new Catalog();
  for (const table of [tableT, tableU, tableR]) result.add(table);
  return result;
}

const texts = ['a', 'B', 'b', 'ab', 'Ab', 'é', 'z', ''];
const maybe = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(arbitrary, { freq: 5, nil: null });

export interface Dataset {
  readonly rows: ReadonlyMap<string, readonly Row[]>;
}

export const dataset: fc.Arbitrary<Dataset> = fc
  .record({
    t: fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 100 }), g: maybe(fc.integer({ min: 0, max: 4 })), v: maybe(fc.integer({ min: -50, max: 50 })), s: maybe(fc.constantFrom(...texts)), b: maybe(fc.boolean()) }), { maxLength: 60, size: 'max', selector: (row) => row.id }),
    u: fc.uniqueArray(fc.record({ id: fc.integer({ min: 1, max: 100 }), w: maybe(fc.integer({ min: -20, max: 20 })), note: maybe(fc.constantFrom(...texts)) }), { maxLength: 60, size: 'max', selector: (row) => row.id }),
    r: fc.uniqueArray(fc.record({ k: fc.integer({ min: 0, max: 5 }), label: maybe(fc.constantFrom(...texts)) }), { maxLength: 5, selector: (row) => row.k }),
  })
  .map(({ t, u, r }) => ({
    rows: new Map<string, Row[]>([
      ['t', t.map((row) => [row.id, row.g, row.v, row.s, row.b])],
      ['u', u.map((row) => [row.id, row.w, row.note])],
      ['r', r.map((row) => [row.k, row.label])],
    ]),
  }));

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;
const smallInt = fc.integer({ min: -10, max: 60 });
const id = fc.integer({ min: 1, max: 100 });

/** A condition over table t (columns qualified with `prefix`). */
function predicate(prefix: string): fc.Arbitrary<string> {
  const c = (name: string): string => `${prefix}${name}`;
  const atom = fc.oneof(
    smallInt.map((value) => `${c('v')} < ${value}`),
    smallInt.map((value) => `${c('v')} >= ${value}`),
    fc.integer({ min: 0, max: 5 }).map((value) => `${c('g')} = ${value}`),
    fc.integer({ min: 0, max: 5 }).map((value) => `${c('g')} <> ${value}`),
    id.map((value) => `${c('id')} = ${value}`),
    fc.array(id, { minLength: 1, maxLength: 5 }).map((values) => `${c('id')} IN (${values.join(', ')})`),
    fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 3 }).map((values) => `${c('g')} NOT IN (${values.join(', ')})`),
    fc.constantFrom(...texts).map((text) => `${c('s')} = ${quote(text)}`),
    fc.constantFrom(...texts).map((text) => `${c('s')} < ${quote(text)}`),
    fc.constant(`${c('b')} IS NULL`),
    fc.constant(`${c('s')} IS NOT NULL`),
    fc.constant(`${c('b')}`),
    fc.tuple(smallInt, smallInt).map(([low, high]) => `${c('v')} BETWEEN ${low} AND ${high}`),
    fc.tuple(fc.integer({ min: 1, max: 5 }), smallInt).map(([divisor, value]) => `${c('v')} / ${divisor} > ${value % 10}`),
    fc.integer({ min: 2, max: 4 }).map((divisor) => `${c('v')} % ${divisor} = 1`),
    smallInt.map((value) => `${c('v')} + ${c('g')} > ${value}`),
  );
  return fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof({ depthSize: 'small', withCrossShrink: true }, atom, fc.tuple(tie('expr'), fc.constantFrom('AND', 'OR'), tie('expr')).map(([a, op, b]) => `(${a} ${op} ${b})`), tie('expr').map((a) => `NOT (${a})`)),
  })).expr;
}

const limitClause = fc.option(fc.tuple(fc.integer({ min: 0, max: 8 }), fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined })), { nil: undefined }).map((limit) => (limit === undefined ? '' : ` LIMIT ${limit[0]}${limit[1] === undefined ? '' : ` OFFSET ${limit[1]}`}`));
const direction = fc.constantFrom('', ' DESC', ' ASC NULLS FIRST', ' DESC NULLS LAST');
const where = (prefix: string): fc.Arbitrary<string> => fc.option(predicate(prefix), { nil: undefined }).map((condition) => (condition === undefined ? '' : ` WHERE ${condition}`));

const rowQuery = fc.tuple(where(''), fc.subarray(['g', 'v', 's', 'b', 'v * 2 AS twice', 'v - g AS diff'], { minLength: 1 }), fc.option(fc.tuple(fc.constantFrom('g', 'v', 's', 'b', 'id'), direction), { nil: undefined }), limitClause).map(([condition, columns, order, limit]) => {
  const orderBy = order === undefined ? '' : ` ORDER BY ${order[0]}${order[1]}${order[0] === 'id' ? '' : ', id'}`;
  return `SELECT id, ${columns.join(', ')} FROM t${condition}${orderBy}${order === undefined ? '' : limit}`;
});

const aggregateList = fc.subarray(['COUNT(*)', 'COUNT(v)', 'SUM(v)', 'AVG(v)', 'MIN(v)', 'MAX(v)', 'MIN(s)', 'MAX(s)', 'SUM(v * g)', 'AVG(g)'], { minLength: 1 });

const groupQuery = fc.tuple(where(''), fc.constantFrom('g', 's', 'b', 'id', 'v % 3', 'v', 'v % 7'), aggregateList, fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), fc.constantFrom('key', 'aggregate', 'none'), direction, limitClause).map(([condition, key, aggregates, having, order, dir, limit]) => {
  const havingClause = having === undefined ? '' : ` HAVING COUNT(*) > ${having}`;
  const orderBy = order === 'key' ? ` ORDER BY 1${dir}` : order === 'aggregate' ? ` ORDER BY 2${dir}, 1` : '';
  return `SELECT ${key} AS k, ${aggregates.join(', ')} FROM t${condition} GROUP BY ${key}${havingClause}${orderBy}${order === 'none' ? '' : limit}`;
});

const globalAggregate = fc.tuple(where(''), aggregateList).map(([condition, aggregates]) => `SELECT ${aggregates.join(', ')} FROM t${condition}`);

const colocatedJoin = fc.tuple(where('t.'), fc.constantFrom('t.id, t.v, u.w', 't.id, u.note, t.s'), fc.constantFrom('', ' AND u.w > 0', ' AND t.v < u.w')).map(([condition, columns, extra]) => `SELECT ${columns} FROM t JOIN u ON t.id = u.id${extra}${condition}`);

const colocatedGroup = fc.tuple(where('t.'), fc.constantFrom('t.g', 'u.note')).map(([condition, key]) => `SELECT ${key}, COUNT(*), SUM(u.w), AVG(t.v) FROM t JOIN u ON u.id = t.id${condition} GROUP BY ${key}`);

const referenceJoin = fc.tuple(where('t.'), fc.constantFrom('rows', 'group')).map(([condition, shape]) =>
  shape === 'rows' ? `SELECT t.id, r.label, t.v FROM t JOIN r ON t.g = r.k${condition}` : `SELECT r.label, COUNT(*), MAX(t.v) FROM t JOIN r ON r.k = t.g${condition} GROUP BY r.label ORDER BY 2 DESC, 1 LIMIT 3`,
);

export const queryText: fc.Arbitrary<string> = fc.oneof(rowQuery, groupQuery, globalAggregate, colocatedJoin, colocatedGroup, referenceJoin);

export const tables: readonly TableSchema[] = [tableT, tableU, tableR];
