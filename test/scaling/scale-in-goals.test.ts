import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { repairVoters, type SitedNode, SurvivalGoalError, type TableLocality } from '../../src/placement/survival';
import { chooseNodesToDrain, type ScaleInNode } from '../../src/scaling/scale-in';

/**
 * Scale-in within survival goals (issue 11 §1 with issue 9 §3; CockroachDB refuses a
 * decommission that would leave a range unable to meet its zone configuration): a node
 * without which some table's goal could not be met is passed over, naming the table.
 */
const sited: SitedNode[] = ['a', 'b', 'c', 'd'].map((zone, index) => ({ id: `node-${index + 1}`, region: 'us-east', zone: `us-east-${zone}` }));
const carts: TableLocality = { table: 'carts', goal: 'zone', homeRegion: 'us-east', voters: 3 };
const node = (id: string, replicas: number): ScaleInNode => ({ id, replicas, protected: false, draining: false, up: true });

/** The check the elastic cluster hands scale-in: the goal must still be placeable on the nodes left. */
function goalsWithout(leaving: ReadonlySet<string>): string | undefined {
  try {
    repairVoters(carts, { voters: ['node-1', 'node-2', 'node-3'] }, sited.filter((entry) => !leaving.has(entry.id)));
    return undefined;
  } catch (error) {
    if (error instanceof SurvivalGoalError) return error.message;
    throw error;
  }
}

describe('scale-in and survival goals', () => {
  it('drains one node of four zones, and passes over a second one the zone goal needs, naming the table', () => {
    const nodes = [node('node-1', 1), node('node-2', 1), node('node-3', 1), node('node-4', 0)];
    const choice = chooseNodesToDrain({ nodes, shards: [{ id: 'table-carts', voters: ['node-1', 'node-2', 'node-3'] }], replicationFactor: 1, goalsWithout }, 2);
    assert.deepEqual(choice.chosen, ['node-4']);
    assert.ok(choice.passedOver.some((reason) => /^node-3: table carts cannot have survival goal zone \(home region us-east\): 3 voters in us-east need 3 zones there/.test(reason)), choice.passedOver.join('\n'));
  });

  it('without the goal check, the same request would drain two nodes and leave carts two zones', () => {
    const nodes = [node('node-1', 1), node('node-2', 1), node('node-3', 1), node('node-4', 0)];
    const choice = chooseNodesToDrain({ nodes, shards: [{ id: 'table-carts', voters: ['node-1', 'node-2', 'node-3'] }], replicationFactor: 1 }, 2);
    assert.equal(choice.chosen.length, 2);
  });
});
