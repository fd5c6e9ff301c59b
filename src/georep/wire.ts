import type { WireRule } from '../runtime/message-boundary';
import { type Check, dictionary, finite, int, list, literal, nonEmptyStr, nullable, oneOf, optional, record, str, tuple, variant } from '../runtime/wire-check';

/**
 * Shapes of georeplication messages (`geo.*`) as they arrive from the network, checked by
 * the node's message boundary before a replica or a client sees them, and who may send
 * them: replication, clock and anti-entropy messages come only from the configured peer
 * replicas and must name the sender's own region; client requests come from anyone.
 */

const region = nonEmptyStr(256);
const key = str(1024);
const value = str(64 * 1024);
const counter = int(0);
const timestamp = record({ wallMs: finite, logical: int(0) });
const dot = record({ region, counter: int(1) });
const context = record({ vector: dictionary(counter), cloud: list(dot) });

const keyState = variant('kind', {
  lww: record({ kind: literal('lww'), timestamp, region, value: nullable(value) }),
  'multi-value': record({ kind: literal('multi-value'), context, siblings: list(record({ dot, value })) }),
  'pn-counter': record({ kind: literal('pn-counter'), increments: dictionary(finite), decrements: dictionary(finite) }),
  'or-set': record({ kind: literal('or-set'), context, entries: list(record({ element: value, dots: list(dot) })) }),
});

const operation = variant('kind', {
  put: record({ kind: literal('put'), value }),
  delete: record({ kind: literal('delete') }),
  increment: record({ kind: literal('increment'), amount: finite }),
  add: record({ kind: literal('add'), element: value }),
  remove: record({ kind: literal('remove'), element: value }),
});

const geoValue = variant('kind', {
  lww: record({ kind: literal('lww'), value: nullable(value), timestamp: optional(timestamp), region: optional(region) }),
  'multi-value': record({ kind: literal('multi-value'), values: list(value), context }),
  'pn-counter': record({ kind: literal('pn-counter'), value: finite }),
  'or-set': record({ kind: literal('or-set'), elements: list(value) }),
});

const change = record({ seq: int(1), keyspace: nonEmptyStr(256), key, state: keyState, timestamp });
const session = nonEmptyStr(512);
const shard = optional(nonEmptyStr(256));
const node = nonEmptyStr(256);
/** The user a client request acts for (src/auth/credentials.ts). */
const principal = record({ user: nonEmptyStr(256), proof: str(256) });

export const geoMessageCheck: Check = variant('type', {
  'geo.ping': record({ region, sentMs: finite }),
  'geo.pong': record({ region, sentMs: finite, clockMs: finite }),
  'geo.changes': record({ origin: region, timestamp, resetFrom: optional(int(0)), entries: list(change, 10_000), shard }),
  'geo.ack': record({ region, appliedSeq: int(0), shard }),
  'geo.frontier': record({ region, applied: dictionary(counter), hlc: timestamp, repairing: literal(true, false), shard }),
  'geo.ae.tree': record({ session, region, level: int(0, 64), nodes: list(tuple(int(0), finite, finite)), purpose: optional(literal('repair', 'periodic')), shard }),
  'geo.ae.digests': record({ session, region, leaves: list(int(0)), entries: list(tuple(key, str(64))), shard }),
  'geo.ae.states': record({ session, region, timestamp, states: list(tuple(key, keyState)), want: list(key), reply: literal(true, false), shard }),
  'geo.ae.done': record({ session, region, busy: optional(literal(true, false)), shard }),
  'geo.not-leader': record({ region, shard: nonEmptyStr(256), leaderHint: nullable(node) }),
  'geo.request': record({
    id: int(0),
    keyspace: nonEmptyStr(256),
    key,
    operation: optional(operation),
    session: record({ after: optional(timestamp), context: optional(context), replaceLocal: optional(literal(true, false)) }),
    principal: optional(principal),
  }),
  'geo.response': oneOf(
    record({ id: int(0), ok: literal(true), region, value: geoValue, timestamp, context: optional(context) }),
    record({ id: int(0), ok: literal(false), region, error: str(), redirect: optional(nullable(node)) }),
  ),
});

export const GEO_REPLICA_TYPES = ['geo.ping', 'geo.pong', 'geo.changes', 'geo.ack', 'geo.ae.tree', 'geo.ae.digests', 'geo.ae.states', 'geo.ae.done', 'geo.frontier'] as const;

/** A replica's message must name the region of the replica that sent it (a replica's node id is its region). */
export function geoIdentityProblem(message: Record<string, unknown>, from: string): string | undefined {
  const claimed = message.type === 'geo.changes' ? message.origin : message.region;
  return claimed === from ? undefined : `a message sent by ${from} claims to come from region ${String(claimed)}`;
}

/** What a region's replica accepts: replication from peers (named by their region), requests from any client. */
export function geoReplicaRules(): ReadonlyMap<string, WireRule> {
  const rules = new Map<string, WireRule>();
  for (const type of GEO_REPLICA_TYPES) rules.set(type, { check: geoMessageCheck, open: false, identity: geoIdentityProblem });
  rules.set('geo.request', { check: geoMessageCheck, open: true });
  return rules;
}

/** What a region's client accepts: answers from its own replica. */
export function geoClientRules(): ReadonlyMap<string, WireRule> {
  return new Map([['geo.response', { check: geoMessageCheck, open: false, identity: geoIdentityProblem }]]);
}

/**
 * The georeplication entries of a shard's log in a region of many nodes
 * (src/georep/region-shard-state.ts): client updates, other regions' changes, stream
 * acknowledgements, anti-entropy merges and completed repairs. Checked on every Raft
 * message between the region's nodes, so a malformed entry never reaches a state machine.
 */
const geoCommandCheck: Check = variant('kind', {
  update: record({
    kind: literal('update'),
    keyspace: nonEmptyStr(256),
    key,
    strategy: literal('lww', 'multi-value', 'pn-counter', 'or-set'),
    operation,
    timestamp,
    readContext: optional(context),
    replaceLocal: optional(literal(true, false)),
    client: record({ id: nonEmptyStr(512), request: int(0) }),
    principal: optional(principal),
  }),
  'apply-changes': record({ kind: literal('apply-changes'), origin: region, entries: list(change, 10_000), resetFrom: optional(int(0)) }),
  acked: record({ kind: literal('acked'), destination: region, seq: int(0) }),
  merge: record({ kind: literal('merge'), states: list(tuple(key, keyState), 10_000) }),
  repaired: record({ kind: literal('repaired'), origin: region, resets: int(0) }),
  clock: record({ kind: literal('clock'), timestamp }),
  collect: record({ kind: literal('collect'), frontier: timestamp }),
});

export const geoLogEntryCheck: Check = record({ geo: geoCommandCheck });

/** Replication between regions of many nodes: the types a region's node takes from other regions' nodes. */
export const GEO_REGION_NODE_TYPES = [...GEO_REPLICA_TYPES, 'geo.not-leader'] as const;

/**
 * What a node of a region of many nodes accepts on the georeplication side: replication from
 * the nodes of the other regions (each message must name the region its sender belongs to),
 * and requests from any client. `regionOf` maps a node to its region.
 */
export function geoRegionNodeRules(regionOf: (node: string) => string | undefined): Map<string, WireRule> {
  const identity = (message: Record<string, unknown>, from: string): string | undefined => {
    const claimed = message.type === 'geo.changes' ? message.origin : message.region;
    const actual = regionOf(from);
    return actual !== undefined && claimed === actual ? undefined : `a message sent by ${from} (region ${actual ?? 'none'}) claims to come from region ${String(claimed)}`;
  };
  const rules = new Map<string, WireRule>();
  for (const type of GEO_REGION_NODE_TYPES) rules.set(type, { check: geoMessageCheck, open: false, identity });
  rules.set('geo.request', { check: geoMessageCheck, open: true });
  return rules;
}

/** What a region's client accepts when its region has many nodes: answers from any of them. */
export function geoRegionClientRules(regionNodes: ReadonlySet<string>): ReadonlyMap<string, WireRule> {
  const identity = (_message: Record<string, unknown>, from: string): string | undefined => (regionNodes.has(from) ? undefined : `${from} is not a node of the client's region`);
  return new Map([['geo.response', { check: geoMessageCheck, open: false, identity }]]);
}
