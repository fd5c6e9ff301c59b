import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { chooseNodesToDrain, drainOrder, reasonsNotToStop, type ScaleInNode, type ScaleInShard, type StopView } from '../../src/scaling/scale-in';

/**
 * Scale-in safety (issue 9 §3: "never goes below the replication factor; never removes a node
 * whose removal would cost a shard its quorum; stops a node only when it holds nothing").
 * Quorum is Raft's majority of voters (Raft paper §5.2, §6); the drain-set rule follows
 * CockroachDB's decommission pre-check (ranges that would lose quorum) and Aurora's
 * scale-in protection (a leaving instance may go at any time).
 */

const node = (id: string, replicas: number, extra: Partial<ScaleInNode> = {}): ScaleInNode => ({ id, replicas, protected: false, draining: false, up: true, ...extra });

describe('which nodes drain', () => {
  it('drains the node with the fewest replicas first, then the newest, never a protected one', () => {
    const order = drainOrder([node('node-1', 1, { protected: true }), node('node-4', 3), node('node-5', 2), node('node-6', 2), node('node-7', 2, { draining: true })]);
    assert.deepEqual(order.map((entry) => entry.id), ['node-6', 'node-5', 'node-4']);
  });

  it('never leaves fewer nodes than the replication factor, and says so', () => {
    const nodes = [node('node-1', 2), node('node-2', 2), node('node-3', 2), node('node-4', 0)];
    const choice = chooseNodesToDrain({ nodes, shards: [], replicationFactor: 3 }, 3);
    assert.deepEqual(choice.chosen, ['node-4']);
    assert.match(choice.passedOver[0], /3 asked, 1 allowed: 4 running nodes stay and the replication factor is 3/);
  });

  it('counts nodes already draining as gone when it applies the replication factor', () => {
    const nodes = [node('node-1', 2), node('node-2', 2), node('node-3', 2), node('node-4', 1, { draining: true }), node('node-5', 0)];
    assert.deepEqual(chooseNodesToDrain({ nodes, shards: [], replicationFactor: 3 }, 2).chosen, ['node-5']);
  });

  it('never drains at once two voters of a three-voter shard (the pair is a majority: losing both costs the quorum)', () => {
    const shards: ScaleInShard[] = [{ id: 'shard-1', voters: ['node-4', 'node-5', 'node-1'] }];
    const nodes = [node('node-1', 1, { protected: true }), node('node-2', 0, { protected: true }), node('node-3', 0, { protected: true }), node('node-4', 1), node('node-5', 1)];
    const choice = chooseNodesToDrain({ nodes, shards, replicationFactor: 3 }, 2);
    assert.deepEqual(choice.chosen, ['node-5']);
    assert.match(choice.passedOver.join('\n'), /node-4: shard-1 would keep too few voters/);
  });

  it('counts a down node as lost: with one voter down, no other voter of that shard drains', () => {
    const shards: ScaleInShard[] = [{ id: 'shard-1', voters: ['node-2', 'node-4', 'node-5'] }];
    const nodes = [node('node-1', 0), node('node-2', 1, { up: false }), node('node-3', 0), node('node-4', 1), node('node-5', 1)];
    const choice = chooseNodesToDrain({ nodes, shards, replicationFactor: 3 }, 2);
    assert.deepEqual(choice.chosen, ['node-3']);
  });

  it('property: whatever the drain set, every shard keeps a majority of voters outside it and the down nodes', () => {
    fc.assert(fc.property(
      fc.integer({ min: 3, max: 9 }),
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 12 }),
      fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
      fc.integer({ min: 0, max: 9 }),
      (count, picks, downFlags, asked) => {
        const ids = Array.from({ length: count }, (_, index) => `node-${index + 1}`);
        const shards = picks.map(([a, b, c], index) => ({ id: `shard-${index + 1}`, voters: [...new Set([ids[a % count], ids[b % count], ids[c % count]])] })).filter((shard) => shard.voters.length === 3);
        const nodes = ids.map((id, index) => node(id, shards.filter((shard) => shard.voters.includes(id)).length, { up: !downFlags[index] || index === 0 }));
        const choice = chooseNodesToDrain({ nodes, shards, replicationFactor: 3 }, asked);
        const gone = new Set([...choice.chosen, ...nodes.filter((entry) => !entry.up).map((entry) => entry.id)]);
        const upStaying = nodes.filter((entry) => entry.up && !choice.chosen.includes(entry.id)).length;
        if (choice.chosen.length > 0) assert.ok(upStaying >= 3, 'replication factor kept');
        for (const shard of shards) {
          const drained = shard.voters.filter((voter) => choice.chosen.includes(voter));
          if (drained.length === 0) continue;
          const kept = shard.voters.filter((voter) => !gone.has(voter)).length;
          assert.ok(kept * 2 > shard.voters.length, `${shard.id} (${shard.voters.join(',')}) keeps ${kept} with ${[...gone].join(',')} gone`);
        }
      },
    ));
  });
});

describe('when a drained node may stop', () => {
  const empty = (extra: Partial<StopView> = {}): StopView => ({
    map: [{ id: 'shard-1', voters: ['node-1', 'node-2', 'node-3'], learners: [] }],
    configs: [{ id: 'shard-1', voters: ['node-1', 'node-2', 'node-3'], learners: [] }],
    groupsOnDisk: [],
    upNodes: ['node-1', 'node-2', 'node-3', 'node-4'],
    serverCount: 4,
    replicationFactor: 3,
    ...extra,
  });

  it('a node that holds nothing anywhere may stop', () => {
    assert.deepEqual(reasonsNotToStop('node-4', empty()), []);
  });

  it('not while the map, a configuration (as learner too) or its disk still holds a replica', () => {
    const view = empty({
      map: [{ id: 'shard-1', voters: ['node-1', 'node-2', 'node-3'], learners: ['node-4'] }],
      configs: [{ id: 'shard-1', voters: ['node-1', 'node-2', 'node-4'], learners: [] }],
      groupsOnDisk: ['shard-1'],
    });
    const reasons = reasonsNotToStop('node-4', view);
    assert.ok(reasons.some((reason) => reason === 'the placement map still gives node-4 a replica of shard-1'), reasons.join('; '));
    assert.ok(reasons.some((reason) => reason === "shard-1's configuration still names node-4"), reasons.join('; '));
    assert.ok(reasons.some((reason) => reason === "node-4's disk still holds a replica of shard-1"), reasons.join('; '));
  });

  it('not when a shard would lose its quorum without it (Raft §5.2: a leader needs a majority)', () => {
    const view = empty({ configs: [{ id: 'shard-1', voters: ['node-2', 'node-3', 'node-4'], learners: [] }], upNodes: ['node-1', 'node-2', 'node-4'] });
    assert.ok(reasonsNotToStop('node-4', view).some((reason) => reason.startsWith('shard-1 would lose its quorum without node-4 (1 of 3 voters left up)')));
  });

  it('not below the replication factor', () => {
    assert.deepEqual(reasonsNotToStop('node-4', empty({ serverCount: 3 })), ['stopping node-4 would leave 2 nodes, below the replication factor 3']);
  });
});
