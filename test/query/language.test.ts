import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileQuery, QueryError } from '../../src/query';
import { planShards } from '../../src/sharding/shard-map';
import { catalog } from './generators';

/**
 * The query language's edges (issue 10, §2): errors say where and what was expected, name
 * the unknown table or column, refuse unsupported features by name; and no input, however
 * malformed, throws anything but a QueryError.
 */

const map = planShards({ nodes: ['n1', 'n2', 'n3'], shardCount: 4, replicationFactor: 3 });

function refusal(text: string): QueryError {
  try {
    compileQuery(text, catalog(), map);
  } catch (error) {
    assert.ok(error instanceof QueryError, `not a QueryError: ${String(error)}`);
    return error;
  }
  assert.fail(`${text} was accepted`);
}

describe('query language errors', () => {
  it('gives line, column and the expected tokens of a syntax error', () => {
    const error = refusal('SELECT id,\n  FROM t');
    assert.equal(error.kind, 'syntax');
    assert.match(error.message, /line 2, column 3: found "FROM" but expected one of/);
  });

  it('names unknown tables and columns, with where they are', () => {
    assert.match(refusal('SELECT * FROM nope').message, /table "nope" does not exist \(tables: r, t, u\)/);
    assert.match(refusal('SELECT id FROM t WHERE zz = 1').message, /column "zz" does not exist at line 1, column 24/);
    assert.match(refusal('SELECT t.id FROM t JOIN u ON t.id = u.id WHERE x.id = 1').message, /missing FROM-clause entry for table "x"/);
  });

  it('refuses what it does not support by name', () => {
    assert.match(refusal('SELECT RANK() OVER (ORDER BY id) FROM t').message, /window functions are not supported/);
    assert.match(refusal('SELECT COUNT(DISTINCT g) FROM t').message, /DISTINCT inside COUNT\(\) is not supported/);
    assert.match(refusal('SELECT CASE WHEN b THEN 1 END FROM t').message, /CASE expressions are not supported/);
    assert.match(refusal('WITH x AS (SELECT 1) SELECT * FROM x').message, /WITH queries/);
    assert.match(refusal('SELECT * FROM t JOIN u ON t.v = u.w').message, /can only be joined on their distribution columns/);
  });

  it('refuses a WHERE, HAVING or AND operand that is not boolean, as PostgreSQL does', () => {
    // PostgreSQL 16 manual §7.2.2 (the WHERE clause): "the search condition is any value expression that returns a value of type boolean".
    assert.match(refusal('SELECT id FROM t WHERE s').message, /argument of WHERE must be type boolean, not type text/);
    assert.match(refusal('SELECT g FROM t GROUP BY g HAVING SUM(v)').message, /argument of HAVING must be type boolean, not type bigint/);
    assert.match(refusal('SELECT id FROM t WHERE b AND v').message, /argument of AND must be type boolean, not type integer/);
  });

  it('refuses SUM and AVG of text as PostgreSQL does ("function sum(text) does not exist"), whatever the rows hold', () => {
    // PostgreSQL 16 manual §9.21 (aggregate functions): sum and avg take numeric types only.
    assert.equal(refusal('SELECT SUM(s) FROM t').kind, 'type');
    assert.match(refusal('SELECT SUM(s) FROM t').message, /function sum\(text\) does not exist/);
    assert.match(refusal('SELECT g, AVG(s) FROM t GROUP BY g').message, /function avg\(text\) does not exist/);
  });

  it('never throws anything but a QueryError, whatever the input', () => {
    const fragments = ['SELECT', 'FROM', 't', 'u', 'r', 'WHERE', 'id', '=', '(', ')', ',', '*', 'GROUP BY', 'ORDER BY', 'LIMIT', '1', "'x'", 'JOIN', 'ON', 'AND', 'OR', 'NOT', 'COUNT(*)', 'SUM(', 'IN', 'BETWEEN', 'NULL', 'IS', 'EXPLAIN', ';', '"', '--', '/*', 'HAVING', 'OFFSET', '-', '/', '.', '\n'];
    const text = fc.oneof(fc.string({ maxLength: 60 }), fc.array(fc.constantFrom(...fragments), { maxLength: 25 }).map((words) => words.join(' ')));
    fc.assert(
      fc.property(text, (input) => {
        try {
          compileQuery(input, catalog(), map);
        } catch (error) {
          assert.ok(error instanceof QueryError, `${JSON.stringify(input)} threw ${String(error)}`);
          assert.ok(!error.message.startsWith('internal error'), `${JSON.stringify(input)}: ${error.message}`);
        }
      }),
      { numRuns: 3000, seed: 10 },
    );
  });
});

describe('planner choices', () => {
  const plan = (text: string) => compileQuery(text, catalog(), map).plan;

  it('routes an equality on the distribution column to one shard, an IN list to its shards, anything else everywhere', () => {
    assert.equal(plan('SELECT * FROM t WHERE id = 5').targets.kind, 'router');
    assert.equal(plan('SELECT * FROM t WHERE id = 5 AND id = 6').targets.shards.length, 1);
    assert.ok(plan('SELECT * FROM t WHERE id IN (1, 2, 3, 4, 5, 6, 7, 8)').targets.shards.length > 1);
    assert.equal(plan('SELECT * FROM t WHERE id = 5 OR id = 6').targets.kind, 'scatter');
    assert.equal(plan('SELECT * FROM t WHERE g = 5').targets.kind, 'scatter');
  });

  it('never prunes on NOT IN or <> over the distribution column: the matching rows may be on every shard', () => {
    // Shard pruning (Citus "router" and "pruned" plans) applies only to conditions that pin the
    // distribution column to a few values; NOT IN (5) pins nothing but excludes one value.
    const notIn = plan('SELECT * FROM t WHERE id NOT IN (5)').targets;
    assert.equal(notIn.kind, 'scatter', `id NOT IN (5) was planned as ${notIn.kind} to ${notIn.shards.join(', ')}: rows with other ids on the other shards would be missed`);
    assert.equal(notIn.shards.length, map.shards.length);
    assert.equal(plan('SELECT * FROM t WHERE id <> 5').targets.kind, 'scatter');
    assert.equal(plan('SELECT COUNT(*) FROM t WHERE id NOT IN (5, 6) AND g = 1').targets.kind, 'scatter');
  });

  it('pushes a GROUP BY on the distribution column down whole, and two-stage aggregates otherwise', () => {
    assert.equal(plan('SELECT id, COUNT(*) FROM t GROUP BY id').fragment.mode, 'complete');
    assert.equal(plan('SELECT g, AVG(v) FROM t GROUP BY g').fragment.mode, 'partial');
  });

  it('cuts per-shard lists for ORDER BY a group key with LIMIT, never for ORDER BY an aggregate', () => {
    assert.equal(plan('SELECT g, SUM(v) FROM t GROUP BY g ORDER BY g LIMIT 2').fragment.limit, 2);
    assert.equal(plan('SELECT g, SUM(v) FROM t GROUP BY g ORDER BY 2 DESC LIMIT 2').fragment.limit, null);
    assert.equal(plan('SELECT g, SUM(v) FROM t GROUP BY g HAVING COUNT(*) > 1 ORDER BY g LIMIT 2').fragment.limit, null);
    assert.equal(plan('SELECT id, v FROM t ORDER BY v LIMIT 3 OFFSET 2').fragment.limit, 5);
  });
});
