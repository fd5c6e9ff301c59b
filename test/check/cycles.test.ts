import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkTransactions, type CycleMicroOp, type CycleTxn, explainAnomalies } from '../../src/check/cycles';

/**
 * The cycle checker on hand-made histories with known anomalies (the examples of Adya's
 * thesis and of the Elle paper), on serial histories (which must pass), and on size.
 */

const r = (key: string, value: string | null | string[]): CycleMicroOp => ({ f: 'r', key, value });
const w = (key: string, value: string | null): CycleMicroOp => ({ f: 'w', key, value });
const a = (key: string, value: string): CycleMicroOp => ({ f: 'append', key, value });
const ok = (id: string, ...ops: CycleMicroOp[]): CycleTxn => ({ id, type: 'ok', ops });
const fail = (id: string, ...ops: CycleMicroOp[]): CycleTxn => ({ id, type: 'fail', ops });
const info = (id: string, ...ops: CycleMicroOp[]): CycleTxn => ({ id, type: 'info', ops });

describe('Cycle checker: list-append histories', () => {
  const check = (history: CycleTxn[]) => checkTransactions(history, { model: 'list-append' });

  it('a serializable history has no anomaly', () => {
    const result = check([ok('1', a('x', '1'), a('y', '1')), ok('2', r('x', ['1']), a('x', '2')), ok('3', r('x', '1 2'), r('y', ['1']))]);
    assert.equal(result.valid, true, explainAnomalies(result));
    assert.deepEqual(result.stats.edges, { ww: 1, wr: 3, rw: 0 });
  });

  it('G0: two transactions append to two keys in opposite orders', () => {
    const result = check([ok('1', a('x', '1'), a('y', '1')), ok('2', a('x', '2'), a('y', '2')), ok('3', r('x', ['1', '2']), r('y', ['2', '1']))]);
    assert.deepEqual(result.types, ['G0']);
    assert.match(result.anomalies[0].description, /^G0, write cycle: T1 → T2 → T1|^G0, write cycle: T2 → T1 → T2/);
    assert.match(result.anomalies[0].description, /T2 appended 2 after it \(ww\)/);
  });

  it('G1a: a committed read of an aborted append', () => {
    const result = check([fail('1', a('x', '1')), ok('2', r('x', ['1']))]);
    assert.deepEqual(result.types, ['G1a']);
    assert.equal(result.anomalies[0].description, 'aborted read: T2 read x = 1, written by T1, which aborted');
  });

  it('G1b: a read that sees some of a transaction\'s appends to a key but not its last', () => {
    const result = check([ok('1', a('x', '1'), a('x', '2')), ok('2', r('x', ['1']))]);
    assert.ok(result.types.includes('G1b'), explainAnomalies(result));
  });

  it('G1c: each transaction reads what the other wrote', () => {
    const result = check([ok('1', a('x', '1'), r('y', ['1'])), ok('2', a('y', '1'), r('x', ['1']))]);
    assert.deepEqual(result.types, ['G1c']);
    assert.match(result.anomalies[0].description, /circular information flow/);
  });

  it('G2 (G-single): read skew, one anti-dependency', () => {
    const result = check([ok('1', a('x', '1'), a('y', '1')), ok('2', r('x', []), r('y', ['1']))]);
    assert.deepEqual(result.types, ['G2']);
    assert.equal(result.anomalies[0].subtype, 'G-single');
    assert.match(result.anomalies[0].description, /T2 read x as \[\], and T1 appended 1 after that \(rw\)/);
  });

  it('G2 (G2-item): write skew, two anti-dependencies', () => {
    const result = check([ok('1', r('x', []), a('y', '1')), ok('2', r('y', []), a('x', '1')), ok('3', r('x', ['1']), r('y', ['1']))]);
    assert.deepEqual(result.types, ['G2']);
    assert.equal(result.anomalies[0].subtype, 'G2-item');
  });

  it('lists that are not prefixes of each other, and garbage and internal reads', () => {
    const result = check([
      ok('1', a('x', '1')),
      ok('2', a('x', '2')),
      ok('3', r('x', ['1', '2'])),
      ok('4', r('x', ['2', '1'])),
      ok('5', r('z', ['9'])),
      ok('6', a('q', '1'), r('q', [])),
    ]);
    assert.ok(result.types.includes('incompatible-order'));
    assert.ok(result.types.includes('garbage-read'));
    assert.ok(result.types.includes('internal'));
  });

  it('an unknown transaction takes part once a committed one read its append', () => {
    const seen = check([info('1', a('x', '1'), a('y', '1')), ok('2', r('x', []), r('y', ['1']))]);
    assert.deepEqual(seen.types, ['G2']);
    assert.equal(seen.stats.infoObserved, 1);
    const unseen = check([info('1', a('x', '1')), ok('2', r('x', []))]);
    assert.equal(unseen.valid, true);
  });
});

describe('Cycle checker: read/write-register histories', () => {
  const check = (history: CycleTxn[]) => checkTransactions(history, { model: 'rw-register' });

  it('a chain of read-then-write transactions is serializable', () => {
    const result = check([ok('0', w('x', 'x0'), w('y', 'y0')), ok('1', r('x', 'x0'), w('x', 'x1')), ok('2', r('x', 'x1'), r('y', 'y0'), w('y', 'y2'))]);
    assert.equal(result.valid, true, explainAnomalies(result));
  });

  it('lost update: two transactions read the same version and both overwrite it (G2)', () => {
    const result = check([ok('0', w('x', '100')), ok('1', r('x', '100'), w('x', '90')), ok('2', r('x', '100'), w('x', '80'))]);
    assert.deepEqual(result.types, ['G2']);
    assert.match(result.anomalies[0].description, /T1 read x = 100, and T2 overwrote that with 80 \(rw\)/);
  });

  it('G1a, G1b and a read of the initial value before a known write', () => {
    const result = check([fail('1', w('x', 'a')), ok('2', r('x', 'a')), ok('3', w('y', 'b1'), w('y', 'b2')), ok('4', r('y', 'b1'))]);
    assert.deepEqual(result.types, ['G1a', 'G1b']);
    const skew = check([ok('1', r('x', null), w('x', 'x1'), w('y', 'y1')), ok('2', r('y', 'y1'), r('x', null))]);
    assert.deepEqual(skew.types, ['G2']);
    assert.equal(skew.anomalies[0].subtype, 'G-single');
  });

  it('a transaction that does not see its own write is internally inconsistent', () => {
    const result = check([ok('1', w('x', '1'), r('x', '2')), ok('2', w('x', '2'))]);
    assert.deepEqual(result.types, ['internal']);
  });

  it('a value written twice breaks the checker\'s assumption and is reported', () => {
    const result = check([ok('1', w('x', '1')), ok('2', w('x', '1'))]);
    assert.deepEqual(result.types, ['duplicate-write']);
  });
});

describe('Cycle checker: serial executions never show an anomaly', () => {
  const keys = ['a', 'b', 'c'];
  const txnArbitrary = fc.array(fc.record({ key: fc.constantFrom(...keys), append: fc.boolean() }), { minLength: 1, maxLength: 4 });

  it('list-append: any serial execution passes', () => {
    fc.assert(
      fc.property(fc.array(txnArbitrary, { maxLength: 30 }), fc.array(fc.boolean(), { maxLength: 30 }), (programs, aborted) => {
        const state = new Map<string, string[]>();
        let element = 0;
        const history = programs.map((program, index): CycleTxn => {
          const abort = aborted[index] === true;
          const scratch = new Map([...state].map(([key, list]) => [key, [...list]]));
          const ops = program.map(({ key, append }): CycleMicroOp => {
            const list = scratch.get(key) ?? [];
            if (!append) return r(key, [...list]);
            const value = String(++element);
            scratch.set(key, [...list, value]);
            return a(key, value);
          });
          if (!abort) for (const [key, list] of scratch) state.set(key, list);
          return { id: String(index), type: abort ? 'fail' : 'ok', ops };
        });
        const result = checkTransactions(history, { model: 'list-append' });
        assert.equal(result.valid, true, explainAnomalies(result));
      }),
      { numRuns: 300 },
    );
  });

  // Its speed is a benchmark row ("cycle checker, 10,000 transactions" in npm run bench), not a
  // wall-clock assertion: a timed unit test fails on a loaded machine and says nothing then.
  it('a 10,000-transaction list-append history is checked to the end and found valid', () => {
    const history: CycleTxn[] = [];
    const lists = new Map<string, string[]>();
    for (let index = 0; index < 10_000; index++) {
      const key = `k${index % 50}`;
      const other = `k${(index * 7) % 50}`;
      const list = lists.get(key) ?? [];
      const seen = [...(lists.get(other) ?? [])];
      lists.set(key, [...list, String(index)]);
      history.push(ok(String(index), r(other, seen), a(key, String(index))));
    }
    const result = checkTransactions(history, { model: 'list-append' });
    assert.equal(result.valid, true, explainAnomalies(result));
  });
});
