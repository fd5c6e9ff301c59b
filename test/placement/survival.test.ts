import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { perDomainMax, placeVoters, quorumOf, repairVoters, type SitedNode, survivalViolations, SurvivalGoalError, type TableLocality, voterCountsByRegion } from '../../src/placement/survival';

/**
 * CockroachDB multi-region docs, "Survival goals" (ZONE: survive one zone of the home
 * region; REGION: survive a whole region, voters spread over at least three regions),
 * "Home regions" (the leaseholder and, under ZONE, every voter in the home region) and the
 * voter-placement rule that a failure domain holds at most n - quorum voters.
 */
const REGIONS = ['us-east', 'us-west', 'eu-west'];
function cluster(regions = REGIONS, zonesPerRegion = 3, nodesPerZone = 1): SitedNode[] {
  const nodes: SitedNode[] = [];
  for (const region of regions) {
    for (let zone = 0; zone < zonesPerRegion; zone++) {
      for (let copy = 0; copy < nodesPerZone; copy++) nodes.push({ id: `${region}-${'abc'[zone] ?? zone}${copy}`, region, zone: `${region}-${'abc'[zone] ?? zone}` });
    }
  }
  return nodes;
}
const table = (goal: 'zone' | 'region', voters = 3, homeRegion = 'us-east'): TableLocality => ({ table: 'orders', goal, homeRegion, voters });
const regionOf = (nodes: SitedNode[], id: string): string => nodes.find((node) => node.id === id)!.region;

describe('survival goals: quorum arithmetic', () => {
  it('a domain may hold n - quorum voters: 1 of 3, 2 of 5', () => {
    assert.deepEqual([3, 4, 5, 7].map(quorumOf), [2, 3, 3, 4]);
    assert.deepEqual([3, 4, 5, 7].map(perDomainMax), [1, 1, 2, 3]);
  });
});

describe('survival goal zone (CockroachDB: ZONE survival, all voters in the home region)', () => {
  it('puts every voter in the home region, one per zone, and the leader there', () => {
    const nodes = cluster();
    const placement = placeVoters(table('zone'), nodes);
    assert.deepEqual(placement.voters.map((id) => regionOf(nodes, id)), ['us-east', 'us-east', 'us-east']);
    assert.equal(new Set(placement.voters.map((id) => nodes.find((node) => node.id === id)!.zone)).size, 3);
    assert.equal(regionOf(nodes, placement.preferredLeader), 'us-east');
    assert.deepEqual(survivalViolations(table('zone'), placement.voters, placement.preferredLeader, nodes), []);
  });

  it('is refused, naming the table and the goal, when the home region has too few zones', () => {
    const nodes = cluster(REGIONS, 2, 2);
    assert.throws(() => placeVoters(table('zone'), nodes), (error: unknown) => error instanceof SurvivalGoalError && /table orders cannot have survival goal zone \(home region us-east\): 3 voters in us-east need 3 zones there so that no zone holds more than 1; us-east has 2 zones \(us-east-a, us-east-b\)/.test(error.message));
  });

  it('is refused for a home region with no node', () => {
    assert.throws(() => placeVoters(table('zone', 3, 'ap-south'), cluster()), /table orders cannot have survival goal zone \(home region ap-south\): no node stands in region ap-south/);
  });
});

describe('survival goal region (CockroachDB: REGION survival, voters in at least three regions)', () => {
  it('3 voters: one per region, the leader in the home region', () => {
    const nodes = cluster();
    const placement = placeVoters(table('region'), nodes);
    assert.deepEqual(placement.voters.map((id) => regionOf(nodes, id)).sort(), ['eu-west', 'us-east', 'us-west']);
    assert.equal(regionOf(nodes, placement.preferredLeader), 'us-east');
  });

  it('5 voters: two in the home region, two in the nearest other region, one in the next', () => {
    const nodes = cluster();
    const counts = voterCountsByRegion(table('region', 5), nodes, { regionOrder: ['eu-west', 'us-west'] });
    assert.deepEqual([...counts], [['us-east', 2], ['eu-west', 2], ['us-west', 1]]);
    const placement = placeVoters(table('region', 5), nodes, { regionOrder: ['eu-west', 'us-west'] });
    assert.deepEqual(survivalViolations(table('region', 5), placement.voters, placement.preferredLeader, nodes), []);
  });

  it('is refused with two regions, naming the table and the goal', () => {
    assert.throws(() => placeVoters(table('region'), cluster(['us-east', 'us-west'])), /table orders cannot have survival goal region \(home region us-east\): 3 voters need at least 3 regions so that losing one keeps a quorum of 2; the cluster has 2 regions \(us-east, us-west\)/);
  });

  it('is refused with fewer than 3 voters (nothing survives with 1 or 2)', () => {
    assert.throws(() => placeVoters(table('region', 2), cluster()), /surviving a failure needs at least 3 voters, got 2/);
  });

  it('property: for any cluster of 3 to 5 regions and 3, 5 or 7 voters, losing any one region keeps a quorum and the leader is home', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 5 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(3, 5, 7), fc.integer({ min: 0, max: 4 }), (regionCount, zones, voters, homeIndex) => {
        const regions = ['r1', 'r2', 'r3', 'r4', 'r5'].slice(0, regionCount);
        const nodes = cluster(regions, zones, 2);
        const locality = table('region', voters, regions[homeIndex % regionCount]);
        let placement;
        try {
          placement = placeVoters(locality, nodes);
        } catch (error) {
          // Refused only when the regions truly cannot hold the voters within the cap.
          assert.ok(error instanceof SurvivalGoalError);
          assert.ok(regionCount < Math.ceil(voters / perDomainMax(voters)) || regionCount * zones * 2 < voters);
          return;
        }
        assert.equal(new Set(placement.voters).size, voters);
        for (const region of regions) {
          const left = placement.voters.filter((id) => regionOf(nodes, id) !== region).length;
          assert.ok(left >= quorumOf(voters), `losing ${region} leaves ${left} of ${voters}`);
        }
        assert.equal(regionOf(nodes, placement.preferredLeader), locality.homeRegion);
        assert.deepEqual(survivalViolations(locality, placement.voters, placement.preferredLeader, nodes), []);
      }),
      { numRuns: 200 },
    );
  });
});

describe('survival: the checker and the repair', () => {
  const nodes = cluster();
  it('names two voters in one region under the region goal, and a leader outside the home region', () => {
    const problems = survivalViolations(table('region'), ['us-east-a0', 'us-east-b0', 'eu-west-a0'], 'eu-west-a0', nodes);
    assert.deepEqual(problems, [
      'table orders (survival goal region) has 2 of 3 voters in region us-east: losing it leaves fewer than a quorum of 2',
      'table orders prefers leader eu-west-a0 in eu-west, not a voter in its home region us-east',
    ]);
  });

  it('names a zone-goal voter outside the home region', () => {
    assert.deepEqual(survivalViolations(table('zone'), ['us-east-a0', 'us-east-b0', 'us-west-a0'], 'us-east-a0', nodes), ['table orders (survival goal zone) has voter us-west-a0 in us-west, outside its home region us-east']);
  });

  it('a repair keeps every voter that fits and the preferred leader when it may stay', () => {
    const repaired = repairVoters(table('region'), { voters: ['us-east-b0', 'us-west-c0', 'us-west-a0'], preferredLeader: 'us-east-b0' }, nodes);
    assert.deepEqual(repaired.voters.slice(0, 2), ['us-east-b0', 'us-west-c0']);
    assert.equal(regionOf(nodes, repaired.voters[2]), 'eu-west');
    assert.equal(repaired.preferredLeader, 'us-east-b0');
  });

  it('moving a zone-goal table to a new home region replaces every voter and the leader', () => {
    const repaired = repairVoters(table('zone', 3, 'eu-west'), { voters: ['us-east-a0', 'us-east-b0', 'us-east-c0'], preferredLeader: 'us-east-a0' }, nodes);
    assert.deepEqual(repaired.voters.map((id) => regionOf(nodes, id)), ['eu-west', 'eu-west', 'eu-west']);
    assert.equal(regionOf(nodes, repaired.preferredLeader), 'eu-west');
  });
});
