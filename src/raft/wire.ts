import { type Check, int, list, literal, nonEmptyStr, nullable, optional, record, sameVerdictWhileFrozen, str, variant, jsonValue } from '../runtime/wire-check';

/**
 * Shapes of Raft messages as they arrive from the network (`raft.*`, wrapped in a group
 * envelope by the runtime). The core trusts its inputs, so the node's message boundary
 * checks them here first. `entryData` checks the payload of normal entries: the state
 * machine's command format, which Raft itself does not know.
 */

const nodeId = nonEmptyStr(256);
const term = int(0);
const index = int(0);

const config = record({ voters: list(nodeId, 1_000), learners: list(nodeId, 1_000) });

const configChange: Check = record({
  type: literal('add-learner', 'promote', 'add-voter', 'remove'),
  node: nodeId,
  resultingConfig: config,
});

/** A leader freezes each entry it creates (and the kv server its command), and every
 *  follower receives that same object: checked once, not once per follower. */
function entry(entryData: Check): Check {
  return sameVerdictWhileFrozen(variant('kind', {
    normal: record({ term: int(1), index: int(1), kind: literal('normal'), data: entryData }),
    noop: record({ term: int(1), index: int(1), kind: literal('noop') }),
    config: record({ term: int(1), index: int(1), kind: literal('config'), data: configChange }),
  }));
}

const base = { from: nodeId, to: nodeId, term };

/**
 * An append's entries follow its previous entry one index at a time, with terms that never
 * decrease and never exceed the sender's term (Figure 2: the leader sends its own log).
 * The core asserts this; a message breaking it would stop the replica instead of being dropped.
 */
function consecutiveEntries(shape: Check): Check {
  return (value, path) => {
    const problem = shape(value, path);
    if (problem !== undefined) return problem;
    const message = value as { prevLogIndex: number; prevLogTerm: number; term: number; entries: readonly { index: number; term: number }[] };
    let previousTerm = message.prevLogTerm;
    for (let position = 0; position < message.entries.length; position++) {
      const entry = message.entries[position];
      if (entry.index !== message.prevLogIndex + 1 + position) return `${path}.entries[${position}] has index ${entry.index}, not ${message.prevLogIndex + 1 + position}`;
      if (entry.term < previousTerm || entry.term > message.term) return `${path}.entries[${position}] has term ${entry.term}, outside ${previousTerm}..${message.term}`;
      previousTerm = entry.term;
    }
    return undefined;
  };
}

export function raftMessageCheck(entryData: Check, snapshotData: Check = jsonValue()): Check {
  const vote = record({ ...base, type: literal('raft.vote-request', 'raft.pre-vote-request'), lastLogIndex: index, lastLogTerm: term, leadershipTransfer: literal(true, false) });
  const voteResponse = record({ ...base, type: literal('raft.vote-response', 'raft.pre-vote-response'), granted: literal(true, false) });
  return variant('type', {
    'raft.vote-request': vote,
    'raft.pre-vote-request': vote,
    'raft.vote-response': voteResponse,
    'raft.pre-vote-response': voteResponse,
    'raft.append': consecutiveEntries(record({ ...base, prevLogIndex: index, prevLogTerm: term, entries: list(entry(entryData), 10_000), leaderCommitIndex: index })),
    'raft.append-response': record({ ...base, success: literal(true, false), matchIndex: index, rejectedIndex: index, conflictIndex: index, conflictTerm: nullable(term) }),
    'raft.heartbeat': record({ ...base, leaderCommitIndex: index, readSequence: int(0) }),
    'raft.heartbeat-response': record({ ...base, readSequence: int(0) }),
    'raft.install-snapshot': record({ ...base, snapshot: record({ index, term, config, data: snapshotData }) }),
    'raft.timeout-now': record(base),
  });
}

/** A Raft message wrapped with its group, as it travels between nodes. */
export function raftEnvelopeCheck(entryData: Check, snapshotData?: Check): Check {
  // `replica`: the sending replica's number (its join index; RaftEnvelope.replica), absent on envelopes made by hand.
  const envelopeCheck = record({ type: str(64), groupId: nonEmptyStr(256), message: raftMessageCheck(entryData, snapshotData), replica: optional(int(0)) });
  return (value, path) => {
    const envelope = envelopeCheck(value, path);
    if (envelope !== undefined) return envelope;
    const fields = value as { type: string; message: { type: string } };
    return fields.type === fields.message.type ? undefined : `${path}.type does not match the wrapped message's type`;
  };
}

/** A Raft message must come from the node it names, and be meant for this node. */
export function raftIdentityProblem(message: Record<string, unknown>, from: string, self: string): string | undefined {
  const inner = message.message as { from: string; to: string };
  if (inner.from !== from) return `a Raft message sent by ${from} claims to come from ${inner.from}`;
  if (inner.to !== self) return `a Raft message for ${inner.to} arrived at ${self}`;
  return undefined;
}

export const RAFT_MESSAGE_TYPES = [
  'raft.vote-request',
  'raft.pre-vote-request',
  'raft.vote-response',
  'raft.pre-vote-response',
  'raft.append',
  'raft.append-response',
  'raft.heartbeat',
  'raft.heartbeat-response',
  'raft.install-snapshot',
  'raft.timeout-now',
] as const;

/**
 * Heartbeats and their answers of many groups between one pair of nodes, in one message
 * (src/runtime/raft-service.ts, CockroachDB's coalesced heartbeats): only heartbeat
 * envelopes may travel this way.
 */
export function raftCoalescedHeartbeatsCheck(envelope: Check): Check {
  const shape = record({ type: literal('raft.heartbeats'), envelopes: list(envelope, 100_000) });
  return (value, path) => {
    const problem = shape(value, path);
    if (problem !== undefined) return problem;
    const envelopes = (value as { envelopes: { type: string }[] }).envelopes;
    const other = envelopes.findIndex((item) => item.type !== 'raft.heartbeat' && item.type !== 'raft.heartbeat-response');
    return other < 0 ? undefined : `${path}.envelopes[${other}] is a ${envelopes[other].type}, not a heartbeat`;
  };
}

/** Every heartbeat of a coalesced message must come from its sender and be meant for this node. */
export function raftCoalescedIdentityProblem(message: Record<string, unknown>, from: string, self: string): string | undefined {
  for (const envelope of message.envelopes as Record<string, unknown>[]) {
    const problem = raftIdentityProblem(envelope, from, self);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
