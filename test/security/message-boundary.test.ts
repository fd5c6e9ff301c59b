import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverWireRules } from '../../src/api/wire-rules';
import { BoundaryCounters, MessageBoundary } from '../../src/runtime/message-boundary';
import { type Check, int, jsonValue, list, record } from '../../src/runtime/wire-check';
import { wireCopy } from '../../src/util/wire-copy';

/**
 * The node's message boundary (FoundationDB / TigerBeetle: never trust a message; assert,
 * drop and count; etcd's transport drops messages from removed members).
 */

function boundary(admitted: readonly string[]) {
  const counters = new BoundaryCounters();
  const traced: string[] = [];
  const boundary = new MessageBoundary('node-1', { rules: serverWireRules(), admitted: (from) => admitted.includes(from), counters, trace: (kind, detail) => traced.push(`${kind} ${detail.reason}`) });
  // A message reaches the boundary as the network delivers it: after the wire's copy
  // (src/util/wire-copy.ts), which is what keeps a sender's getters out of the node.
  const gate = { accept: (from: string, message: unknown): boolean => boundary.accept(from, wireCopy(message)) };
  return { gate, counters, traced };
}

const vote = (from: string, to = 'node-1') => ({
  type: 'raft.vote-request',
  groupId: 'shard-1',
  message: { type: 'raft.vote-request', from, to, term: 99, lastLogIndex: 1000, lastLogTerm: 99, leadershipTransfer: true },
});

const heartbeat = (from: string, to = 'node-1') => ({
  type: 'raft.heartbeat',
  groupId: 'shard-1',
  message: { type: 'raft.heartbeat', from, to, term: 3, leaderCommitIndex: 5, readSequence: 0 },
});
const coalesced = (...envelopes: object[]) => ({ type: 'raft.heartbeats', envelopes });
const scanLock = (key: string, access: object) => ({
  type: 'txn.shard-request',
  requestId: 'q/1',
  shardId: 'shard-1',
  command: { kind: 'acquire', txnId: 'c1.q1.a1', priority: { startedAtMs: 0, txnId: 'c1.q1.a1' }, anchorKey: 'query/c1.q1.a1', coordinator: 'client:c1', opIndex: 1, key, access },
});

describe('Message boundary: coalesced heartbeats and queries (rules added when the branches met)', () => {
  it('passes coalesced heartbeats from an admitted peer, each naming its real sender', () => {
    const { gate, counters } = boundary(['node-2']);
    assert.equal(gate.accept('node-2', coalesced(heartbeat('node-2'), heartbeat('node-2'))), true);
    assert.equal(counters.total, 0);
  });

  it('drops coalesced heartbeats from a process never admitted, one forged inside, or a non-heartbeat smuggled in', () => {
    const { gate, counters } = boundary(['node-2']);
    assert.equal(gate.accept('rogue', coalesced(heartbeat('rogue'))), false);
    assert.equal(gate.accept('node-2', coalesced(heartbeat('node-2'), heartbeat('node-3'))), false);
    assert.equal(gate.accept('node-2', coalesced(vote('node-2'))), false);
    assert.equal(counters.byReason('not-admitted'), 1);
    assert.equal(counters.byReason('impersonation'), 1);
    assert.equal(counters.byReason('malformed'), 1);
  });

  it("lets a client take a query's scan lock and end a query attempt, and nothing else of the transaction protocol", () => {
    const { gate, counters } = boundary([]);
    assert.equal(gate.accept('client:c1', scanLock('\u0000scan:table/t/', { kind: 'scan' })), true);
    assert.equal(gate.accept('client:c1', { type: 'txn.shard-request', requestId: 'q/2', shardId: 'shard-1', command: { kind: 'resolve', txnId: 'c1.q1.a1', outcome: 'committed' } }), true);
    assert.equal(gate.accept('client:c1', scanLock('accounts/alice', { kind: 'write', value: '0' })), false);
    assert.equal(gate.accept('client:c1', { type: 'txn.shard-request', requestId: 'q/3', shardId: 'shard-1', command: { kind: 'resolve', txnId: 'c9.t4', outcome: 'aborted' } }), false);
    assert.equal(counters.byReason('not-admitted'), 2);
  });

  it("refuses a rogue client that tries to end another client's query attempt, or to take a scan lock in its name (issue 15)", () => {
    const { gate, counters } = boundary([]);
    const end = (txnId: string) => ({ type: 'txn.shard-request', requestId: 'r/1', shardId: 'shard-1', command: { kind: 'resolve', txnId, outcome: 'aborted' } });
    // The owner may end its own attempt; the rogue may end only its own.
    assert.equal(gate.accept('query-client:auditor', end('auditor.q3.a1')), true);
    assert.equal(gate.accept('query-client:mallory', end('mallory.q1.a1')), true);
    assert.equal(gate.accept('query-client:mallory', end('auditor.q3.a1')), false);
    assert.equal(gate.accept('query-client:mallory', end('auditor.q3.a1.q1.a1')), false);
    assert.equal(gate.accept('query-client:auditor.q3', end('auditor.q3.a1')), false);
    assert.equal(gate.accept('mallory', end('auditor.q3.a1')), false);
    assert.equal(gate.accept('query-client:mallory', scanLock('\u0000scan:t/orders/', { kind: 'scan' })), false, 'a scan lock under the attempt id of c1');
    assert.equal(counters.byReason('not-admitted'), 5);
  });
});

describe('Message boundary: admission', () => {
  it('passes Raft traffic from an admitted peer', () => {
    const { gate, counters } = boundary(['node-2']);
    assert.equal(gate.accept('node-2', vote('node-2')), true);
    assert.equal(counters.total, 0);
  });

  it('drops Raft traffic from a process never admitted, and counts and traces it', () => {
    const { gate, counters, traced } = boundary(['node-2']);
    assert.equal(gate.accept('rogue', vote('rogue')), false);
    assert.equal(counters.byReason('not-admitted'), 1);
    assert.equal(counters.between('node-1', 'rogue'), 1);
    assert.deepEqual(traced, ['boundary.drop not-admitted']);
  });

  it("checks a Raft envelope's replica number (the sending replica's join index) as a whole number, read as plain data", () => {
    const { gate } = boundary(['node-2']);
    assert.equal(gate.accept('node-2', { ...vote('node-2'), replica: 22 }), true);
    assert.equal(gate.accept('node-2', { ...vote('node-2'), replica: 0 }), true);
    let ran = 0;
    for (const replica of [-1, 1.5, '22', null, Number.NaN]) assert.equal(gate.accept('node-2', { ...vote('node-2'), replica }), false, `replica ${String(replica)}`);
    assert.equal(gate.accept('node-2', Object.defineProperty(vote('node-2'), 'replica', { enumerable: true, get: () => (ran++, 22) })), false, 'a getter');
    assert.equal(ran, 0, 'the getter never ran');
  });

  it('drops a Raft message whose claimed sender is not its real sender (impersonation), or meant for another node', () => {
    const { gate, counters } = boundary(['node-2', 'node-3']);
    assert.equal(gate.accept('node-2', vote('node-3')), false);
    assert.equal(gate.accept('node-2', vote('node-2', 'node-3')), false);
    assert.equal(counters.byReason('impersonation'), 2);
  });

  it('lets anyone send membership and client requests (admitted by the join handshake and by authentication)', () => {
    const { gate } = boundary([]);
    const kv = { type: 'kv.request', requestId: 1, clientId: 'c@shard-1', sequence: 1, shardId: 'shard-1', epoch: 1, operation: { kind: 'get', key: 'x' } };
    assert.equal(gate.accept('client:c', kv), true);
    const join = { type: 'join.request', clusterName: 'c', joinToken: 't', instanceId: 'i', incarnation: 0, restarted: false, metadata: { region: 'r', zone: 'z', capacity: 1 } };
    assert.equal(gate.accept('newcomer', join), true);
  });

  it('drops a message of a type no service here takes, and a message that is not an object', () => {
    const { gate, counters } = boundary(['node-2']);
    assert.equal(gate.accept('node-2', { type: 'geo.changes' }), false);
    assert.equal(gate.accept('node-2', null), false);
    assert.equal(gate.accept('node-2', 'raft.append'), false);
    assert.equal(counters.byReason('unknown-type'), 3);
  });
});

describe('Wire checks: shapes', () => {
  it('name the first bad field', () => {
    const check = record({ term: int(0), entries: list(record({ index: int(1) })) });
    assert.equal(check({ term: 1, entries: [{ index: 1 }, { index: 0 }] }, 'raft.append'), 'raft.append.entries[1].index must be a whole number from 1 to 9007199254740991');
  });

  it('never run a getter and never throw on hostile objects', () => {
    let ran = false;
    const hostile = Object.defineProperty({}, 'term', { enumerable: true, get: () => { ran = true; throw new Error('boom'); } });
    assert.match(record({ term: int(0) })(wireCopy(hostile), 'm') ?? '', /m\.term must be/);
    assert.equal(ran, false);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.match(jsonValue()(wireCopy(cyclic), 'm') ?? '', /nested too deeply/);
  });

  it('never run a getter of the message itself: neither its type nor the fields that decide whether a stranger may send it', () => {
    const { gate, counters } = boundary(['node-2']);
    let ran = 0;
    const trap = () => {
      ran++;
      throw new Error('boom');
    };
    // The type names the rule, so it is read before any shape check.
    assert.equal(gate.accept('node-2', Object.defineProperty({}, 'type', { enumerable: true, get: trap })), false);
    assert.equal(counters.byReason('unknown-type'), 1);
    // A query client (never admitted) may send a scan lock; whether this is one is read from the command.
    const lock = scanLock('\u0000scan:table/t/', { kind: 'scan' });
    assert.equal(gate.accept('client:c1', lock), true, 'the well-formed scan lock passes');
    const hostileCommand = Object.defineProperty({ ...lock }, 'command', { enumerable: true, get: trap });
    const hostileTxnId = { ...lock, command: Object.defineProperty({ ...lock.command }, 'txnId', { enumerable: true, get: trap }) };
    const hostileAccess = { ...lock, command: { ...lock.command, access: Object.defineProperty({}, 'kind', { enumerable: true, get: trap }) } };
    for (const [name, message] of [['command', hostileCommand], ['command.txnId', hostileTxnId], ['command.access.kind', hostileAccess]] as const) {
      assert.equal(gate.accept('client:c1', message), false, `a scan lock whose ${name} is a getter`);
    }
    assert.equal(counters.byReason('not-admitted'), 3, 'a stranger\'s message that is not plainly an open one is not admitted');
    assert.equal(ran, 0, 'no getter ran');
  });

  it("check a key-value operation's fields as plain data: a getter in a client's request never runs in the server", () => {
    const { gate, counters } = boundary([]);
    let ran = 0;
    const request = (operation: object) => ({ type: 'kv.request', requestId: 1, clientId: 'c1', sequence: 1, shardId: 'shard-1', epoch: 0, operation });
    assert.equal(gate.accept('client:c1', request({ kind: 'put', key: 'balance', value: '1' })), true, 'a plain request passes');
    for (const field of ['kind', 'key', 'value']) {
      const operation = Object.defineProperty({ kind: 'put', key: 'balance', value: '1' }, field, { enumerable: true, get: () => { ran++; return field === 'kind' ? 'put' : 'x'; } });
      assert.equal(gate.accept('client:c1', request(operation)), false, `an operation whose ${field} is a getter`);
    }
    assert.equal(gate.accept('client:c1', request(Object.create({ kind: 'get', key: 'balance' }))), false, 'inherited fields are not the operation\'s own');
    assert.equal(counters.byReason('malformed'), 4);
    assert.equal(ran, 0, 'no getter ran');
  });

  it("check a placement heartbeat's shape and sender: a report under another node's name, or a sequence that is not a number, is dropped", () => {
    const { gate, counters } = boundary(['node-2']);
    const report = { group: 'shard-1', role: 'leader', term: 2, appliedIndex: 7, keys: 3, bytes: 120, readsPerSecond: 0.5, writesPerSecond: 1 };
    const heartbeat = (fields: object) => ({ type: 'placement.heartbeat', node: 'node-2', sequence: 4, replicas: [report], ...fields });
    assert.equal(gate.accept('node-2', heartbeat({})), true, 'a well-formed heartbeat from its own node passes');
    assert.equal(gate.accept('node-2', heartbeat({ node: 'node-3' })), false, 'a report under another node');
    assert.equal(counters.byReason('impersonation'), 1);
    assert.equal(gate.accept('node-2', heartbeat({ sequence: '4' })), false, 'a sequence that is a string');
    assert.equal(gate.accept('node-2', heartbeat({ replicas: [{ ...report, term: -1 }] })), false, 'a replica report with a negative term');
    const ack = { type: 'placement.heartbeat-ack', sequence: 4, recorded: true, leaderHint: null, epoch: 1 };
    assert.equal(gate.accept('node-2', ack), true, 'a well-formed answer passes');
    assert.equal(gate.accept('node-2', { ...ack, sequence: 'x' }), false, 'an answer whose sequence is not a number');
    assert.equal(counters.byReason('malformed'), 3);
  });

  it("drop a stranger's message of a closed type before its shape check runs (a check is code too: it need not see a stranger's message)", () => {
    let checked = 0;
    const spy: Check = () => {
      checked++;
      return undefined;
    };
    const counters = new BoundaryCounters();
    const rules = new Map([
      ['closed', { check: spy, open: false }],
      ['partly-open', { check: spy, open: false, openWhen: () => true }],
    ]);
    const gate = new MessageBoundary('node-1', { rules, admitted: (from) => from === 'node-2', counters });
    assert.equal(gate.accept('rogue', { type: 'closed' }), false);
    assert.equal(checked, 0, "the check never saw the stranger's message");
    assert.equal(counters.byReason('not-admitted'), 1);
    assert.equal(gate.accept('node-2', { type: 'closed' }), true, "an admitted peer's message is checked and passes");
    assert.equal(gate.accept('rogue', { type: 'partly-open' }), true, 'a message any process may send is checked first');
    assert.equal(checked, 2);
  });

  it('refuse a Raft append whose entries carry a malformed command (it would stop every replica when applied)', () => {
    const { gate, counters } = boundary(['node-2']);
    const entry = { term: 1, index: 1, kind: 'normal', data: { clientId: 'c', sequence: 1, operation: { kind: 'put', key: 'x' } } };
    const append = { type: 'raft.append', groupId: 'shard-1', message: { type: 'raft.append', from: 'node-2', to: 'node-1', term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: [entry], leaderCommitIndex: 0 } };
    assert.equal(gate.accept('node-2', append), false);
    assert.equal(counters.byReason('malformed'), 1);
  });

  it('refuse a Raft append whose entries do not follow its previous entry one by one, or carry a later term than the sender', () => {
    const { gate, counters } = boundary(['node-2']);
    const entry = (index: number, term: number) => ({ term, index, kind: 'noop' });
    const append = (entries: object[]) => ({ type: 'raft.append', groupId: 'shard-1', message: { type: 'raft.append', from: 'node-2', to: 'node-1', term: 3, prevLogIndex: 4, prevLogTerm: 2, entries, leaderCommitIndex: 4 } });
    assert.equal(gate.accept('node-2', append([entry(5, 2), entry(6, 3)])), true);
    assert.equal(gate.accept('node-2', append([entry(5, 2), entry(7, 3)])), false, 'a gap');
    assert.equal(gate.accept('node-2', append([entry(5, 3), entry(6, 2)])), false, 'a term going down');
    assert.equal(gate.accept('node-2', append([entry(5, 4)])), false, 'a term above the sender\'s');
    assert.equal(counters.byReason('malformed'), 3);
  });
});
