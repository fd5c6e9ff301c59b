/*
 * The checker's polynomial-time decisions (src/check/linearizability/shortcuts.ts), proven
 * against the brute-force search (Wing & Gong 1993, Lowe 2017; the same search with the
 * shortcuts switched off) on random histories, and the bound on the search's state space.
 *
 * - Traceable list-append: Kingsbury and Alvaro, "Elle: Inferring Isolation Anomalies from
 *   Experimental Observations" (VLDB 2020), §4.2 traceability and recoverability.
 * - Impossible reads: a read of a value that nothing in the history could have produced.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkLinearizability, keyValueModel, registerModel, type HistoryEvent } from '../../src/check/linearizability';

/** A small seeded generator, so that fast-check's seeds pick whole histories. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

interface HistoryShape {
  readonly seed: number;
  readonly processes: number;
  readonly operations: number;
  /** Chance that an append's outcome is unknown (info) rather than ok. */
  readonly infoChance: number;
  /** Chance that one read's result is replaced by another read's, repeats an append, or swaps two. */
  readonly corruption: number;
}

/**
 * A single-key append/get history that really ran: each operation takes effect at a moment
 * inside its call, reads return what was appended before that moment. Appended pieces are
 * unique ("a0;", "a1;", ...). Optionally one read's value is then corrupted.
 */
function appendHistory(shape: HistoryShape): HistoryEvent[] {
  const next = random(shape.seed);
  interface Call { process: number; kind: 'append' | 'get'; invokeAt: number; effectAt: number; returnAt: number; piece: string; result?: string; info: boolean }
  const calls: Call[] = [];
  const freeAt = new Array<number>(shape.processes).fill(0);
  for (let index = 0; index < shape.operations; index++) {
    const process = Math.floor(next() * shape.processes);
    const invokeAt = freeAt[process] + next() * 3;
    const returnAt = invokeAt + 0.5 + next() * 6;
    const kind = next() < 0.6 ? 'append' : 'get';
    calls.push({ process, kind, invokeAt, returnAt, effectAt: invokeAt + next() * (returnAt - invokeAt), piece: `a${index};`, info: kind === 'append' && next() < shape.infoChance });
    freeAt[process] = returnAt;
  }
  let value = '';
  for (const call of [...calls].sort((a, b) => a.effectAt - b.effectAt)) {
    // An info append may not have happened at all.
    if (call.kind === 'append' && !(call.info && next() < 0.5)) value += call.piece;
    if (call.kind === 'get') call.result = value;
  }
  const reads = calls.filter((call) => call.kind === 'get');
  if (reads.length >= 2 && next() < shape.corruption) {
    const victim = reads[Math.floor(next() * reads.length)];
    const other = reads[Math.floor(next() * reads.length)];
    const pieces = victim.result!.split(';').filter(Boolean);
    const choice = next();
    if (choice < 0.4 || pieces.length < 2) victim.result = choice < 0.2 || pieces.length === 0 ? other.result : `${victim.result}${pieces[0]};`;
    else victim.result = [...pieces.slice(0, -2), pieces[pieces.length - 1], pieces[pieces.length - 2]].map((piece) => `${piece};`).join('');
  }
  const events: { at: number; event: HistoryEvent }[] = [];
  for (const call of calls) {
    events.push({ at: call.invokeAt, event: { process: call.process, type: 'invoke', f: call.kind, key: 'k', value: call.kind === 'append' ? call.piece : null } });
    // A process whose append is info may not invoke again (its outcome is unknown), so its
    // info completion is written at its return time and the process goes on.
    events.push({ at: call.returnAt, event: { process: call.process, type: call.info ? 'info' : 'ok', f: call.kind, key: 'k', value: call.kind === 'append' ? call.piece : call.result } });
  }
  return events.sort((a, b) => a.at - b.at).map((entry) => entry.event);
}

const shapes = fc.record({
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  processes: fc.integer({ min: 1, max: 5 }),
  operations: fc.integer({ min: 1, max: 14 }),
  infoChance: fc.constantFrom(0, 0.2),
  corruption: fc.constantFrom(0, 0.5, 1),
});

describe('Elle §4.2 traceable list-append, proven against the brute-force search', () => {
  it('gives the same verdict as the search on random single-key append histories', () => {
    let decidedByShortcut = 0;
    let violations = 0;
    fc.assert(
      fc.property(shapes, (shape) => {
        const history = appendHistory(shape);
        const fast = checkLinearizability(history, keyValueModel);
        const slow = checkLinearizability(history, keyValueModel, { shortcuts: false });
        if (fast.partitions[0]?.decidedBy === 'traceable-append') decidedByShortcut++;
        if (slow.verdict === 'not-linearizable') violations++;
        assert.equal(fast.verdict, slow.verdict, `shape ${JSON.stringify(shape)}`);
      }),
      { numRuns: 400 },
    );
    // The property must exercise both the shortcut and violations, or it proves nothing.
    assert.ok(decidedByShortcut > 200, `the shortcut decided ${decidedByShortcut} of 400 histories`);
    assert.ok(violations > 50, `${violations} of 400 histories were violations`);
  });

  it('decides a 150-operation history of 8 processes appending concurrently without searching', () => {
    for (const corruption of [0, 1]) {
      const history = appendHistory({ seed: 14, processes: 8, operations: 150, infoChance: 0.1, corruption });
      const result = checkLinearizability(history, keyValueModel, { maxSearchSteps: 1 });
      assert.equal(result.partitions[0].decidedBy, 'traceable-append');
      assert.equal(result.partitions[0].searchSteps, 0);
      assert.notEqual(result.verdict, 'unknown');
    }
  });

  it('explains a violation it found: the operation that cannot be placed and why', () => {
    const history: HistoryEvent[] = [
      { process: 0, type: 'invoke', f: 'append', key: 'k', value: 'x;' },
      { process: 0, type: 'ok', f: 'append', key: 'k', value: 'x;' },
      { process: 1, type: 'invoke', f: 'append', key: 'k', value: 'y;' },
      { process: 1, type: 'ok', f: 'append', key: 'k', value: 'y;' },
      { process: 2, type: 'invoke', f: 'get', key: 'k', value: null },
      { process: 2, type: 'ok', f: 'get', key: 'k', value: 'y;x;' },
    ];
    const result = checkLinearizability(history, keyValueModel);
    assert.equal(result.verdict, 'not-linearizable');
    assert.equal(result.partitions[0].decidedBy, 'traceable-append');
    assert.ok(result.explanation!.unplaceable.length > 0);
  });
});

describe('Impossible reads, proven against the brute-force search', () => {
  it('a get of a value no put and appends can spell is a violation, found before any search', () => {
    const history: HistoryEvent[] = [
      { process: 0, type: 'invoke', f: 'put', key: 'k', value: 'p' },
      { process: 1, type: 'invoke', f: 'append', key: 'k', value: 'q' },
      { process: 2, type: 'invoke', f: 'get', key: 'k', value: null },
      { process: 2, type: 'ok', f: 'get', key: 'k', value: 'pqz' },
      { process: 0, type: 'ok', f: 'put', key: 'k', value: 'p' },
      { process: 1, type: 'ok', f: 'append', key: 'k', value: 'q' },
    ];
    const result = checkLinearizability(history, keyValueModel);
    assert.equal(result.verdict, 'not-linearizable');
    assert.equal(result.partitions[0].decidedBy, 'impossible-read');
    assert.equal(checkLinearizability(history, keyValueModel, { shortcuts: false }).verdict, 'not-linearizable');
  });

  it('register: the same verdict as the search on random histories with reads of unwritten values', () => {
    let impossibleReads = 0;
    let linearizable = 0;
    fc.assert(
      fc.property(fc.array(fc.record({ process: fc.integer({ min: 0, max: 3 }), f: fc.constantFrom('read', 'write', 'cas'), a: fc.integer({ min: 0, max: 3 }), b: fc.integer({ min: 0, max: 3 }), outcome: fc.constantFrom('ok', 'ok', 'fail', 'info') }), { maxLength: 10 }), (calls) => {
        const events: HistoryEvent[] = [];
        const busy = new Set<number>();
        for (const call of calls) {
          if (busy.has(call.process)) continue;
          // Writes only write 0 or 1: a read of 2 or 3 needs a cas, of 7 nothing can produce it.
          const value = call.f === 'write' ? call.a % 2 : call.f === 'cas' ? [call.a, call.b] : null;
          events.push({ process: call.process, type: 'invoke', f: call.f, value });
          if (call.outcome === 'info') {
            busy.add(call.process);
            continue;
          }
          const type = call.f === 'read' ? 'ok' : call.outcome;
          events.push({ process: call.process, type: type as 'ok' | 'fail', f: call.f, value: call.f === 'read' ? (call.a === 3 ? 7 : call.b) : value });
        }
        const fast = checkLinearizability(events, registerModel);
        const slow = checkLinearizability(events, registerModel, { shortcuts: false });
        if (fast.partitions[0]?.decidedBy === 'impossible-read') impossibleReads++;
        if (slow.verdict === 'linearizable') linearizable++;
        assert.equal(fast.verdict, slow.verdict);
      }),
      { numRuns: 300 },
    );
    assert.ok(impossibleReads > 20 && linearizable > 20, `${impossibleReads} impossible reads, ${linearizable} linearizable histories of 300`);
  });
});

describe('The search never grows without bound', () => {
  it('a history of many concurrent appends and a late read stops at maxStates with "unknown", naming the limit', () => {
    // 12 appends of unknown outcome, all concurrent, then a read nothing can explain the
    // order of: the search would try every subset and order of the appends.
    const history: HistoryEvent[] = [];
    for (let process = 0; process < 12; process++) history.push({ process, type: 'invoke', f: 'append', key: 'k', value: `v${process}` });
    history.push({ process: 99, type: 'invoke', f: 'put', key: 'k', value: '' });
    history.push({ process: 99, type: 'ok', f: 'put', key: 'k', value: '' });
    history.push({ process: 98, type: 'invoke', f: 'get', key: 'k', value: null });
    history.push({ process: 98, type: 'ok', f: 'get', key: 'k', value: 'v11v10v9v8v7v6v5v4v3v2v1v0v0' });
    const result = checkLinearizability(history, keyValueModel, { maxStates: 2_000, shortcuts: false });
    assert.equal(result.verdict, 'unknown');
    assert.equal(result.partitions[0].undecidedBecause, 'state-limit');
    assert.equal(result.partitions[0].limit, '2000 model states per key (maxStates)');
  });
});
