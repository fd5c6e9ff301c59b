import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Trace, type TraceEvent } from '../../src/sim/trace';
import { textKey } from '../../src/util/hash';

/** The digest of a trace that recorded `events` in order. */
function digestOf(...events: readonly TraceEvent[]): string {
  const trace = new Trace(4);
  for (const event of events) trace.record(event);
  return trace.digestHex();
}

// The trace digest is what the replay checks compare ("same seed, same run, byte for byte",
// docs/ARCHITECTURE.md): every field of an event must move it, and field boundaries count.
describe('Trace digest', () => {
  const base: TraceEvent = { timeMs: 12.5, kind: 'deliver', node: 'node-1', peer: 'node-2', messageType: 'raft.append', messageId: 7 };

  it('digests a network event recorded with keyed strings (recordMessage) exactly as the same event recorded whole', () => {
    for (const reason of [undefined, 'loss']) {
      const keyed = new Trace(4);
      keyed.recordMessage(12.5, textKey('deliver'), textKey('node-1'), textKey('node-2'), textKey('raft.append'), 7, reason);
      assert.equal(keyed.digestHex(), digestOf({ ...base, ...(reason === undefined ? {} : { reason }) }), `reason ${String(reason)}`);
      assert.deepEqual(keyed.recent(1)[0], { ...base, ...(reason === undefined ? {} : { reason }) });
    }
  });

  it('is a function of the events alone', () => {
    assert.equal(digestOf(base, { timeMs: 13, kind: 'raft.leader', node: 'node-2', detail: { term: 3 } }),
      digestOf(base, { timeMs: 13, kind: 'raft.leader', node: 'node-2', detail: { term: 3 } }));
  });

  it('changes with every field, odd and even string lengths alike', () => {
    const variants: TraceEvent[] = [
      { ...base, timeMs: 12.75 }, { ...base, timeMs: 12 }, { ...base, kind: 'delivers' }, { ...base, kind: 'delivet' },
      { ...base, node: 'node-3' }, { ...base, node: undefined }, { ...base, node: '' }, { ...base, peer: 'node-22' },
      { ...base, messageType: 'raft.appenD' }, { ...base, messageId: 8 }, { ...base, messageId: 7 + 2 ** 31 },
      { ...base, reason: 'loss' },
    ];
    const digests = new Set([digestOf(base), ...variants.map((variant) => digestOf(variant))]);
    assert.equal(digests.size, variants.length + 1);
  });

  it('keeps field and record boundaries: ("ab", "c") is not ("a", "bc"), and order counts', () => {
    assert.notEqual(digestOf({ ...base, node: 'ab', peer: 'c' }), digestOf({ ...base, node: 'a', peer: 'bc' }));
    assert.notEqual(digestOf({ ...base, node: '', peer: 'ab' }), digestOf({ ...base, node: 'ab', peer: '' }));
    assert.notEqual(digestOf({ timeMs: 1, kind: 'a', detail: { k: 'xy' } }), digestOf({ timeMs: 1, kind: 'a', detail: { kx: 'y' } }));
    const second: TraceEvent = { timeMs: 1, kind: 'tick' };
    assert.notEqual(digestOf(base, second), digestOf(second, base));
  });

  it('tells detail values apart by type: 1, "1", true and undefined differ', () => {
    const values: unknown[] = [1, '1', true, false, undefined, 1.5, { n: 1 }, [1]];
    const digests = new Set(values.map((value) => digestOf({ timeMs: 0, kind: 'x', detail: { v: value } })));
    assert.equal(digests.size, values.length);
  });

  it('does not depend on which strings were seen before (the string hash cache is exact, full or not)', () => {
    const events: TraceEvent[] = [base, { timeMs: 2, kind: 'x'.repeat(100), node: 'node-9', detail: { key: 'fresh-key' } }];
    const before = digestOf(...events);
    // More distinct strings than the cache holds, then the same events again.
    digestOf(...Array.from({ length: 5000 }, (_, index) => ({ timeMs: index, kind: `filler-${index}` })));
    assert.equal(digestOf(...events), before);
    assert.equal(digestOf({ ...base, kind: 'never-seen-before' }), digestOf({ ...base, kind: 'never-seen-before' }));
    assert.notEqual(digestOf({ ...base, kind: 'x'.repeat(100) }), digestOf({ ...base, kind: 'y'.repeat(100) }), 'uncached strings are hashed too');
  });
});
