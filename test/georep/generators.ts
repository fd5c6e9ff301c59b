/**
 * fast-check generators of CRDT states that replicas can actually reach: random histories
 * of local operations and merges over three replicas. Laws such as associativity are
 * claimed for reachable states (Shapiro et al. 2011, §2.2: states of one execution form a
 * join-semilattice), and causal CRDTs rely on invariants (every stored dot is in the
 * context; a dot names one value) that arbitrary JSON would break.
 */
import fc from 'fast-check';
import {
  type CausalContext,
  EMPTY_CONTEXT,
  EMPTY_MULTI_VALUE,
  EMPTY_OR_SET,
  EMPTY_PN_COUNTER,
  type LwwRegister,
  lwwWrite,
  type MultiValueRegister,
  mvDelete,
  mvJoin,
  mvWrite,
  type OrSet,
  orSetAdd,
  orSetJoin,
  orSetRemove,
  type PnCounter,
  pnAdd,
  pnJoin,
} from '../../src/georep';

export const REGIONS = ['ap-south', 'eu-west', 'us-east'] as const;

export const lwwRegisterArbitrary: fc.Arbitrary<LwwRegister> = fc
  .record({
    wallMs: fc.integer({ min: 0, max: 5 }),
    logical: fc.integer({ min: 0, max: 3 }),
    region: fc.constantFrom(...REGIONS),
    value: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: null }),
  })
  .map(({ wallMs, logical, region, value }) => lwwWrite({ wallMs, logical }, region, value));

export const pnCounterArbitrary: fc.Arbitrary<PnCounter> = fc
  .array(fc.record({ region: fc.constantFrom(...REGIONS), amount: fc.integer({ min: -5, max: 5 }).filter((n) => n !== 0) }), { maxLength: 8 })
  .map((changes) => changes.reduce((counter, { region, amount }) => pnAdd(counter, region, amount), EMPTY_PN_COUNTER));

/** One step of a history: a replica does a local operation, or merges another replica's state. */
type Step =
  | { readonly kind: 'local'; readonly replica: number; readonly element: string; readonly remove: boolean; readonly contextFrom: number | 'blind' }
  | { readonly kind: 'merge'; readonly replica: number; readonly from: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('local' as const),
    replica: fc.integer({ min: 0, max: 2 }),
    element: fc.constantFrom('x', 'y', 'z'),
    remove: fc.boolean(),
    contextFrom: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constant('blind' as const)),
  }),
  fc.record({ kind: fc.constant('merge' as const), replica: fc.integer({ min: 0, max: 2 }), from: fc.integer({ min: 0, max: 2 }) }),
);

/** Runs a history and returns every state any replica held along the way. */
function reachable<S>(steps: readonly Step[], empty: S, local: (state: S, region: string, step: Step & { kind: 'local' }, contexts: readonly S[]) => S, join: (a: S, b: S) => S): S[] {
  const replicas: S[] = [empty, empty, empty];
  const seen: S[] = [empty];
  for (const step of steps) {
    const next = step.kind === 'local' ? local(replicas[step.replica], REGIONS[step.replica], step, replicas) : join(replicas[step.replica], replicas[step.from]);
    replicas[step.replica] = next;
    seen.push(next);
  }
  return seen;
}

/** Three states drawn from one execution. */
function triples<S>(history: fc.Arbitrary<S[]>): fc.Arbitrary<[S, S, S]> {
  return history.chain((states) =>
    fc.tuple(fc.constantFrom(...states), fc.constantFrom(...states), fc.constantFrom(...states)),
  );
}

const contextOf = (state: MultiValueRegister, step: Step & { kind: 'local' }, replicas: readonly MultiValueRegister[]): CausalContext =>
  step.contextFrom === 'blind' ? EMPTY_CONTEXT : step.contextFrom === step.replica ? state.context : replicas[step.contextFrom].context;

export const multiValueHistory: fc.Arbitrary<MultiValueRegister[]> = fc.array(stepArbitrary, { maxLength: 14 }).map((steps) =>
  reachable(
    steps,
    EMPTY_MULTI_VALUE,
    (state, region, step, replicas) => (step.remove ? mvDelete(state, contextOf(state, step, replicas)) : mvWrite(state, region, step.element, contextOf(state, step, replicas)).state),
    mvJoin,
  ),
);

export const orSetHistory: fc.Arbitrary<OrSet[]> = fc.array(stepArbitrary, { maxLength: 14 }).map((steps) =>
  reachable(steps, EMPTY_OR_SET, (state, region, step) => (step.remove ? orSetRemove(state, step.element) : orSetAdd(state, region, step.element).state), orSetJoin),
);

export const pnCounterHistory: fc.Arbitrary<PnCounter[]> = fc.array(stepArbitrary, { maxLength: 14 }).map((steps) =>
  reachable(steps, EMPTY_PN_COUNTER, (state, region, step) => pnAdd(state, region, step.remove ? -1 : 2), pnJoin),
);

export const multiValueTriples = triples(multiValueHistory);
export const orSetTriples = triples(orSetHistory);
export const pnCounterTriples = triples(pnCounterHistory);
export const lwwTriples: fc.Arbitrary<[LwwRegister, LwwRegister, LwwRegister]> = fc.tuple(lwwRegisterArbitrary, lwwRegisterArbitrary, lwwRegisterArbitrary);
