/**
 * What each conflict strategy keeps when updates are concurrent (Shapiro et al. 2011:
 * §3.1.3 PN-Counter, §3.2.1 LWW-Register, §3.3.5 OR-Set; Bieniusa et al. 2012 for the
 * optimised add-wins OR-set).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  applyOperation,
  EMPTY_CONTEXT,
  EMPTY_OR_SET,
  EMPTY_PN_COUNTER,
  lwwAssign,
  lwwJoin,
  lwwWrite,
  orSetAdd,
  orSetElements,
  orSetJoin,
  orSetRemove,
  pnAdd,
  pnJoin,
  pnValue,
  readState,
  renderValue,
} from '../../src/georep';
import { REGIONS } from './generators';

describe('last-writer-wins register (§3.2.1)', () => {
  it('the later HLC timestamp wins, whichever region wrote it', () => {
    const earlier = lwwWrite({ wallMs: 100, logical: 3 }, 'us-east', 'blue');
    const later = lwwWrite({ wallMs: 100, logical: 4 }, 'ap-south', 'green');
    assert.equal(lwwJoin(earlier, later).value, 'green');
    assert.equal(lwwJoin(later, earlier).value, 'green');
  });

  it('equal timestamps are broken by region name, the same way everywhere', () => {
    const east = lwwWrite({ wallMs: 7, logical: 0 }, 'us-east', 'east');
    const west = lwwWrite({ wallMs: 7, logical: 0 }, 'eu-west', 'west');
    assert.equal(lwwJoin(east, west).value, 'east');
    assert.equal(lwwJoin(west, east).value, 'east');
  });

  it('a delete is a tombstone that wins or loses by the same rule', () => {
    const write = lwwWrite({ wallMs: 10, logical: 0 }, 'us-east', 'v');
    const laterDelete = lwwWrite({ wallMs: 11, logical: 0 }, 'eu-west', null);
    const earlierDelete = lwwWrite({ wallMs: 9, logical: 0 }, 'eu-west', null);
    assert.equal(lwwJoin(write, laterDelete).value, null);
    assert.equal(lwwJoin(earlierDelete, write).value, 'v');
    assert.equal(renderValue(readState('lww', lwwJoin(write, laterDelete))), '(absent)');
  });

  it('a local write must follow what the replica holds (the HLC guarantees it)', () => {
    const held = lwwWrite({ wallMs: 50, logical: 0 }, 'eu-west', 'x');
    assert.throws(() => lwwAssign(held, { wallMs: 49, logical: 9 }, 'us-east', 'y'), /clock went backwards/);
  });
});

describe('PN-counter (§3.1.3)', () => {
  it('no increment is lost or doubled, whatever the merge order and repetition', () => {
    const change = fc.record({ region: fc.constantFrom(0, 1, 2), amount: fc.integer({ min: -5, max: 5 }).filter((n) => n !== 0) });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 30 }), fc.array(fc.tuple(fc.nat(2), fc.nat(2)), { maxLength: 30 }), (changes, merges) => {
        const replicas = [EMPTY_PN_COUNTER, EMPTY_PN_COUNTER, EMPTY_PN_COUNTER];
        changes.forEach(({ region, amount }, index) => {
          replicas[region] = pnAdd(replicas[region], REGIONS[region], amount);
          const [into, from] = merges[index % Math.max(1, merges.length)] ?? [0, 0];
          replicas[into] = pnJoin(replicas[into], replicas[from]);
        });
        const total = changes.reduce((sum, { amount }) => sum + amount, 0);
        const merged = replicas.reduce(pnJoin, EMPTY_PN_COUNTER);
        assert.equal(pnValue(merged), total);
        assert.equal(pnValue(pnJoin(merged, merged)), total, 'a state delivered twice counts once');
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a change of zero', () => {
    assert.throws(() => pnAdd(EMPTY_PN_COUNTER, 'us-east', 0), /non-zero/);
  });
});

describe('OR-set, add wins (§3.3.5; Bieniusa et al. 2012)', () => {
  it('an add concurrent with a remove wins', () => {
    const base = orSetAdd(EMPTY_OR_SET, 'us-east', 'urgent').state;
    const removedInEast = orSetRemove(base, 'urgent');
    const addedInWest = orSetAdd(base, 'eu-west', 'urgent').state;
    assert.deepEqual(orSetElements(orSetJoin(removedInEast, addedInWest)), ['urgent']);
    assert.deepEqual(orSetElements(orSetJoin(addedInWest, removedInEast)), ['urgent']);
  });

  it('a remove of an add it observed removes it everywhere', () => {
    const base = orSetAdd(EMPTY_OR_SET, 'us-east', 'urgent').state;
    const removed = orSetRemove(base, 'urgent');
    assert.deepEqual(orSetElements(orSetJoin(base, removed)), []);
  });

  it('re-adding an element supersedes its older add (one dot per element per add)', () => {
    const once = orSetAdd(EMPTY_OR_SET, 'us-east', 'x').state;
    const twice = orSetAdd(once, 'us-east', 'x').state;
    assert.equal(twice.entries[0].dots.length, 1);
    assert.deepEqual(twice.context.vector, { 'us-east': 2 });
  });
});

describe('strategy dispatch', () => {
  it('refuses an operation the keyspace strategy does not have, naming what it supports', () => {
    const stamp = { region: 'us-east', timestamp: { wallMs: 1, logical: 0 }, readContext: EMPTY_CONTEXT };
    assert.throws(() => applyOperation('pn-counter', undefined, { kind: 'put', value: 'x' }, stamp), /PN-counter keyspace does not support "put" \(it supports increment\)/);
    assert.equal(renderValue(readState('pn-counter', applyOperation('pn-counter', undefined, { kind: 'increment', amount: 4 }, stamp).state)), '4');
    assert.equal(renderValue(readState('or-set', applyOperation('or-set', undefined, { kind: 'add', element: 'b' }, stamp).state)), '{b}');
  });
});
