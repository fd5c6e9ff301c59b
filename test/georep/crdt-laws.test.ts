/**
 * Merge laws of every conflict strategy, property-tested with fast-check: a state-based
 * CRDT's merge is the join of a semilattice, i.e. commutative, associative and idempotent
 * (Shapiro, Preguiça, Baquero, Zawirski 2011, "A comprehensive study of Convergent and
 * Commutative Replicated Data Types", §2.2, Definition "monotonic semilattice object" and
 * Theorem "state-based objects that satisfy it converge"). With those laws, replicas that
 * receive the same states in any order, any number of times, end up equal.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalState, joinStates, type KeyState, lwwJoin, mvJoin, orSetJoin, pnJoin } from '../../src/georep';
import { lwwTriples, multiValueTriples, orSetTriples, pnCounterArbitrary, pnCounterTriples } from './generators';

const RUNS = { numRuns: 400 };

function lawsFor<S extends KeyState>(name: string, triples: fc.Arbitrary<[S, S, S]>, join: (a: S, b: S) => S): void {
  const same = (a: S, b: S): void => assert.equal(canonicalState(a), canonicalState(b));
  describe(`${name} merge (Shapiro et al. 2011 §2.2)`, () => {
    it('is commutative: a ⊔ b = b ⊔ a', () => {
      fc.assert(fc.property(triples, ([a, b]) => same(join(a, b), join(b, a))), RUNS);
    });
    it('is associative: (a ⊔ b) ⊔ c = a ⊔ (b ⊔ c)', () => {
      fc.assert(fc.property(triples, ([a, b, c]) => same(join(join(a, b), c), join(a, join(b, c)))), RUNS);
    });
    it('is idempotent: a ⊔ a = a', () => {
      fc.assert(fc.property(triples, ([a]) => same(join(a, a), a)), RUNS);
    });
    it('is inflationary: a ⊔ b absorbs a again (merging the result with a changes nothing)', () => {
      fc.assert(fc.property(triples, ([a, b]) => same(join(join(a, b), a), join(a, b))), RUNS);
    });
    it('joinStates dispatches to the same merge', () => {
      fc.assert(fc.property(triples, ([a, b]) => same(joinStates(a, b) as S, join(a, b))), { numRuns: 100 });
    });
  });
}

lawsFor('LWW-register', lwwTriples, lwwJoin);
lawsFor('PN-counter', pnCounterTriples, pnJoin);
lawsFor('OR-set (add wins)', orSetTriples, orSetJoin);
lawsFor('multi-value register', multiValueTriples, mvJoin);

describe('PN-counter on arbitrary states (§3.1.3: any two vectors have a pointwise maximum)', () => {
  it('merge laws hold even for states no execution produced', () => {
    fc.assert(
      fc.property(pnCounterArbitrary, pnCounterArbitrary, pnCounterArbitrary, (a, b, c) => {
        assert.deepEqual(pnJoin(a, b), pnJoin(b, a));
        assert.deepEqual(pnJoin(pnJoin(a, b), c), pnJoin(a, pnJoin(b, c)));
        assert.deepEqual(pnJoin(a, a), a);
      }),
      RUNS,
    );
  });
});
