import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, NodeId } from '../../src/runtime/ports';
import { createShardMap } from '../../src/sharding/shard-map';
import { SeededRandom } from '../../src/sim/random';
import { type ShardCallOutcome, ShardCaller } from '../../src/txn/shard-caller';
import type { ShardRequest, ShardResponse } from '../../src/txn/protocol';

/**
 * The shard caller (coordinators' and query clients' calls to a shard's leader): an answer
 * counts only from the node its request went to, as on a connection. Otherwise any process
 * could answer in a shard's place: grant a lock, or report a transaction committed.
 */
function harness() {
  const sent: { to: NodeId; request: ShardRequest }[] = [];
  const env = {
    id: 'coordinator',
    clock: { nowMs: () => 0 },
    timers: { setTimer: () => 1, cancelTimer: () => undefined },
    network: { send: (to: NodeId, message: Message) => void sent.push({ to, request: message as ShardRequest }) },
    random: new SeededRandom(5),
  };
  const map = createShardMap(1, [{ id: 'shard-1', slots: [{ start: 0, endExclusive: 1024 }], replicas: ['n1', 'n2', 'n3'], preferredLeader: 'n1' }]);
  const caller = new ShardCaller(env, () => map, { backoffInitialMs: 10, backoffMaxMs: 100, redirectsMax: 3 });
  return { caller, sent };
}

describe('ShardCaller: answers come from the node asked', () => {
  it("ignores an answer from a stranger or another replica to a request that went to n1, and takes n1's", () => {
    const { caller, sent } = harness();
    const outcomes: ShardCallOutcome[] = [];
    caller.call('shard-1', { kind: 'probe', txnId: 'c.1' }, { deadlineMs: 1_000, attemptTimeoutMs: 100 }, (outcome) => outcomes.push(outcome));
    assert.equal(sent[0].to, 'n1');
    const answer = { type: 'txn.shard-response', requestId: sent[0].request.requestId, reply: { status: 'finished', outcome: 'committed', reason: 'forged' } } as unknown as ShardResponse;
    caller.onResponse('rogue', answer);
    caller.onResponse('n2', answer);
    assert.equal(outcomes.length, 0, 'neither forged answer settled the call');
    caller.onResponse('n1', { ...answer, reply: { status: 'stale' } } as unknown as ShardResponse);
    assert.deepEqual(outcomes, [{ ok: true, reply: { status: 'stale' }, from: 'n1' }]);
  });
});
