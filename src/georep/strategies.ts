/**
 * Conflict strategies, configured per keyspace. Every key's state is a join-semilattice
 * (a state-based CRDT): replicas exchange whole key states and merge them with `joinStates`,
 * which is commutative, associative and idempotent. That is what makes replication safe
 * under duplication, reordering and retransmission, and lets anti-entropy repair a key
 * by simply merging the two sides.
 */
import { type CausalContext, type Dot, EMPTY_CONTEXT, type RegionId } from './causal-context';
import { EMPTY_MULTI_VALUE, type MultiValueRegister, mvDelete, mvJoin, mvRead, mvWrite } from './crdt/multi-value';
import { compareLww, lwwAssign, lwwJoin, type LwwRegister } from './crdt/lww-register';
import { EMPTY_OR_SET, type OrSet, orSetAdd, orSetElements, orSetJoin, orSetRemove } from './crdt/or-set';
import { EMPTY_PN_COUNTER, type PnCounter, pnAdd, pnJoin, pnValue } from './crdt/pn-counter';
import { digestHex } from './digest';
import type { HlcTimestamp } from './hlc';

export type StrategyKind = 'lww' | 'multi-value' | 'pn-counter' | 'or-set';

export const STRATEGY_KINDS: readonly StrategyKind[] = ['lww', 'multi-value', 'pn-counter', 'or-set'];

export type KeyState = LwwRegister | MultiValueRegister | PnCounter | OrSet;

export type GeoOperation =
  | { readonly kind: 'put'; readonly value: string }
  | { readonly kind: 'delete' }
  | { readonly kind: 'increment'; readonly amount: number }
  | { readonly kind: 'add'; readonly element: string }
  | { readonly kind: 'remove'; readonly element: string };

const OPERATIONS: Readonly<Record<StrategyKind, readonly GeoOperation['kind'][]>> = {
  lww: ['put', 'delete'],
  'multi-value': ['put', 'delete'],
  'pn-counter': ['increment'],
  'or-set': ['add', 'remove'],
};

/** What a read returns, by strategy. */
export type GeoValue =
  | { readonly kind: 'lww'; readonly value: string | null; readonly timestamp?: HlcTimestamp; readonly region?: RegionId }
  | { readonly kind: 'multi-value'; readonly values: readonly string[]; readonly context: CausalContext }
  | { readonly kind: 'pn-counter'; readonly value: number }
  | { readonly kind: 'or-set'; readonly elements: readonly string[] };

/** Everything an operation needs from the replica applying it. */
export interface OperationStamp {
  readonly region: RegionId;
  readonly timestamp: HlcTimestamp;
  /** Multi-value: the context the client read (what its write replaces). */
  readonly readContext: CausalContext;
}

export class KeyspaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyspaceError';
  }
}

export function operationsOf(kind: StrategyKind): readonly GeoOperation['kind'][] {
  return OPERATIONS[kind];
}

/**
 * Applies a local operation and returns the new state, and the dot it issued (multi-value
 * puts and OR-set adds). Throws a KeyspaceError when the strategy has no such operation.
 */
export function applyOperation(kind: StrategyKind, state: KeyState | undefined, operation: GeoOperation, stamp: OperationStamp): { state: KeyState; dot?: Dot } {
  if (!OPERATIONS[kind].includes(operation.kind)) {
    throw new KeyspaceError(`a ${describeStrategy(kind)} keyspace does not support "${operation.kind}" (it supports ${OPERATIONS[kind].join(', ')})`);
  }
  switch (operation.kind) {
    case 'put':
      return kind === 'lww'
        ? { state: lwwAssign(asKind(state, 'lww'), stamp.timestamp, stamp.region, operation.value) }
        : mvWrite(asKind(state, 'multi-value') ?? EMPTY_MULTI_VALUE, stamp.region, operation.value, stamp.readContext);
    case 'delete':
      return kind === 'lww'
        ? { state: lwwAssign(asKind(state, 'lww'), stamp.timestamp, stamp.region, null) }
        : { state: mvDelete(asKind(state, 'multi-value') ?? EMPTY_MULTI_VALUE, stamp.readContext) };
    case 'increment':
      return { state: pnAdd(asKind(state, 'pn-counter') ?? EMPTY_PN_COUNTER, stamp.region, operation.amount) };
    case 'add':
      return orSetAdd(asKind(state, 'or-set') ?? EMPTY_OR_SET, stamp.region, operation.element);
    case 'remove':
      return { state: orSetRemove(asKind(state, 'or-set') ?? EMPTY_OR_SET, operation.element) };
  }
}

export function joinStates(a: KeyState, b: KeyState): KeyState {
  if (a === b) return a;
  switch (a.kind) {
    case 'lww':
      return lwwJoin(a, expectKind(b, 'lww'));
    case 'multi-value':
      return mvJoin(a, expectKind(b, 'multi-value'));
    case 'pn-counter':
      return pnJoin(a, expectKind(b, 'pn-counter'));
    case 'or-set':
      return orSetJoin(a, expectKind(b, 'or-set'));
  }
}

export function readState(kind: StrategyKind, state: KeyState | undefined): GeoValue {
  switch (kind) {
    case 'lww': {
      const register = asKind(state, 'lww');
      return register ? { kind, value: register.value, timestamp: register.timestamp, region: register.region } : { kind, value: null };
    }
    case 'multi-value':
      return { kind, ...mvRead(asKind(state, 'multi-value') ?? EMPTY_MULTI_VALUE) };
    case 'pn-counter':
      return { kind, value: pnValue(asKind(state, 'pn-counter') ?? EMPTY_PN_COUNTER) };
    case 'or-set':
      return { kind, elements: orSetElements(asKind(state, 'or-set') ?? EMPTY_OR_SET) };
  }
}

/** Canonical text of a state: equal states give equal text (states are built canonical). */
export function canonicalState(state: KeyState): string {
  return JSON.stringify(state);
}

export function stateDigest(state: KeyState): string {
  return digestHex(canonicalState(state));
}

/** How a value reads in a report or a step: "(absent)", "7", "a | b" for siblings, "{x, y}" for a set. */
export function renderValue(value: GeoValue | undefined): string {
  if (value === undefined) return '(unavailable)';
  switch (value.kind) {
    case 'lww':
      return value.value === null ? '(absent)' : value.value;
    case 'multi-value':
      return value.values.length === 0 ? '(absent)' : value.values.join(' | ');
    case 'pn-counter':
      return String(value.value);
    case 'or-set':
      return `{${value.elements.join(', ')}}`;
  }
}

export function describeStrategy(kind: StrategyKind): string {
  switch (kind) {
    case 'lww':
      return 'last-writer-wins';
    case 'multi-value':
      return 'multi-value';
    case 'pn-counter':
      return 'PN-counter';
    case 'or-set':
      return 'add-wins OR-set';
  }
}

/** The LWW order of two states, for oracles and explanations. */
export { compareLww };

/** The context a multi-value write carries when the client sent none: a blind write. */
export const BLIND_WRITE_CONTEXT: CausalContext = EMPTY_CONTEXT;

function asKind<K extends KeyState['kind']>(state: KeyState | undefined, kind: K): Extract<KeyState, { kind: K }> | undefined {
  if (state === undefined) return undefined;
  return expectKind(state, kind);
}

function expectKind<K extends KeyState['kind']>(state: KeyState, kind: K): Extract<KeyState, { kind: K }> {
  if (state.kind !== kind) throw new KeyspaceError(`a ${kind} state cannot merge with a ${state.kind} state`);
  return state as Extract<KeyState, { kind: K }>;
}
