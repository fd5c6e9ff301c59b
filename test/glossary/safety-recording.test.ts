/*
 * "Then the consensus safety checker saw no violation" must be able to fail (issue 13): in
 * scenarios the database records a violation instead of throwing it into whichever step
 * advanced time, so the step and the After hook can report it. Election Safety (Raft paper,
 * Figure 3: at most one leader per term) is the violation planted here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ShardedDatabase } from '../../src/api/database';
import { RaftSafetyViolation } from '../../src/raft';
import { Simulation } from '../../src/sim';

interface ObserverProbe {
  onLeader(node: string, term: number): void;
}

function observer(database: ShardedDatabase): ObserverProbe {
  // The observer the Raft hosts call; reached directly so that a violation can be planted.
  return (database as unknown as { observerFor(groupId: string): ObserverProbe }).observerFor('shard-1');
}

describe('safety violations in scenarios', () => {
  it('are thrown at once by default (unit tests and benchmarks stop there)', () => {
    const database = new ShardedDatabase(new Simulation({ seed: 1 }));
    const probe = observer(database);
    probe.onLeader('node-1', 3);
    assert.throws(() => probe.onLeader('node-2', 3), RaftSafetyViolation);
  });

  it('are recorded, with what they broke, when the scenario asks for it', () => {
    const database = new ShardedDatabase(new Simulation({ seed: 1 }));
    database.recordSafetyViolations = true;
    const probe = observer(database);
    probe.onLeader('node-1', 3);
    probe.onLeader('node-2', 3);
    assert.equal(database.safetyViolations.length, 1);
    assert.match(database.safetyViolations[0].message, /node-1/);
    assert.match(database.safetyViolations[0].message, /node-2/);
    assert.match(database.safetyViolations[0].message, /term 3/);
  });
});
