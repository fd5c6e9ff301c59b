import { type Check, bool, finite, int, list, literal, nonEmptyStr, nullable, oneOf, optional, record, str, variant, jsonValue } from '../runtime/wire-check';
import { principalCheck } from '../kv/wire';

/**
 * Shapes of transaction and saga messages as they arrive from the network, and of the
 * transaction commands a shard's log carries. Checked by the node's message boundary
 * before the coordinator, the participant server or a saga service sees them.
 */

const key = str(1024);
const value = str(64 * 1024);
const txnId = nonEmptyStr(512);
const nodeId = nonEmptyStr(256);
const priority = record({ startedAtMs: finite, txnId });

const access = variant('kind', {
  read: record({ kind: literal('read'), forUpdate: optional(literal(true, false)) }),
  write: record({ kind: literal('write'), value: nullable(value) }),
  append: record({ kind: literal('append'), element: value }),
  // A query's shared lock over a table's rows on the shard (src/query/client.ts).
  scan: record({ kind: literal('scan') }),
});

export const txnCommandCheck: Check = variant('kind', {
  acquire: record({
    kind: literal('acquire'),
    txnId,
    priority,
    anchorKey: key,
    coordinator: nodeId,
    opIndex: int(1),
    key,
    access,
    principal: optional(principalCheck),
    settled: optional(int(0)),
  }),
  prepare: record({ kind: literal('prepare'), txnId, lastOpIndex: int(0), refuse: optional(str()), settled: optional(int(0)) }),
  resolve: record({ kind: literal('resolve'), txnId, outcome: literal('committed', 'aborted'), reason: optional(str()), settled: optional(int(0)), ifHeld: optional(bool) }),
  decide: record({ kind: literal('decide'), txnId, participants: list(nonEmptyStr(256), 10_000), lastOpIndex: int(0), refuse: optional(str()), settled: optional(int(0)) }),
  settle: record({ kind: literal('settle'), txnId, reason: str() }),
  forget: record({ kind: literal('forget'), client: nonEmptyStr(512), through: int(0), confirmed: list(txnId, 100_000) }),
});

/** A shard request's command: one for the log, or a probe the leader answers from its applied state. */
const shardRequestCommand: Check = oneOf(txnCommandCheck, record({ kind: literal('probe'), txnId }));

const clientCall = variant('kind', {
  read: record({ kind: literal('read'), key, forUpdate: optional(literal(true, false)) }),
  write: record({ kind: literal('write'), key, value: nullable(value) }),
  append: record({ kind: literal('append'), key, element: value }),
  commit: record({ kind: literal('commit') }),
  rollback: record({ kind: literal('rollback') }),
  status: record({ kind: literal('status') }),
});

export const txnClientRequestCheck: Check = record({
  txnId,
  sequence: int(1),
  priority,
  anchorKey: nullable(key),
  call: clientCall,
  principal: optional(principalCheck),
  settled: optional(int(0)),
});

export const txnShardRequestCheck: Check = record({
  requestId: nonEmptyStr(512),
  shardId: nonEmptyStr(256),
  command: shardRequestCommand,
  waitMaxMs: optional(finite),
});

const holder = record({ txnId, priority, mode: literal('shared', 'exclusive') });

const applyResult = variant('status', {
  granted: record({ status: literal('granted'), value: nullable(value) }),
  conflict: record({ status: literal('conflict'), key, holders: list(holder, 10_000) }),
  finished: record({ status: literal('finished'), outcome: literal('committed', 'aborted'), reason: str() }),
  stale: record({ status: literal('stale') }),
  forbidden: record({ status: literal('forbidden'), refusal: record({ user: str(256), access: literal('read', 'write', 'admin'), target: str(), missing: str(), text: str() }) }),
  prepared: record({ status: literal('prepared') }),
  'read-only': record({ status: literal('read-only') }),
  refused: record({ status: literal('refused'), reason: str() }),
  committed: record({ status: literal('committed') }),
  aborted: record({ status: literal('aborted'), reason: str() }),
  resolved: record({ status: literal('resolved'), outcome: literal('committed', 'aborted') }),
  forgotten: record({ status: literal('forgotten'), reason: str() }),
  collected: record({ status: literal('collected'), through: int(0), records: int(0), tombstones: int(0) }),
  probe: record({ status: literal('probe'), ended: bool }),
});

export const txnShardResponseCheck: Check = record({
  requestId: nonEmptyStr(512),
  reply: variant('status', {
    applied: record({ status: literal('applied'), result: applyResult }),
    'wait-die': record({ status: literal('wait-die'), reason: str() }),
    'lock-timeout': record({ status: literal('lock-timeout'), reason: str() }),
    'not-leader': record({ status: literal('not-leader'), leaderHint: nullable(nodeId) }),
    'wrong-shard': record({ status: literal('wrong-shard') }),
  }),
});

/** A coordinator's answer to a transaction client (checked where a client sits behind a boundary: saga orchestrators and services). */
export const txnClientResponseCheck: Check = record({
  txnId,
  sequence: int(1),
  reply: variant('status', {
    ok: record({ status: literal('ok'), value: nullable(value) }),
    committed: record({ status: literal('committed') }),
    aborted: record({ status: literal('aborted'), reason: str() }),
    'in-progress': record({ status: literal('in-progress') }),
  }),
});

export const sagaCommandCheck: Check = record({ requestId: nonEmptyStr(512), idempotencyKey: nonEmptyStr(512), command: nonEmptyStr(256), args: jsonValue(16), fence: optional(bool) });

export const sagaResultCheck: Check = record({
  requestId: nonEmptyStr(512),
  reply: oneOf(record({ ok: literal(true), result: jsonValue(16) }), record({ ok: literal(false), reason: str() })),
});
