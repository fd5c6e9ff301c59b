import type { GoalChange } from '../src/api/regional-database';
import type { SurvivalGoal } from '../src/placement/survival';
import type { NodeId } from '../src/runtime/ports';
import { rebalancing } from './rebalancing-scenario';
import { regions } from './regions-scenario';
import type { PhantomWorld } from './world';

/** Bound for a node that joins to be seen alive by every member. */
const JOIN_BOUND_MS = 20_000;
/** Bound for the placement group to commit (or refuse) a table's new goal. */
const GOAL_BOUND_MS = 5_000;
/** Zone letter of the nodes that join: after the first nodes' a, b, c, ... */
const JOIN_ZONE = 'j';

/**
 * Rebalancing a store across regions while tables have survival goals (issue 11 §1): nodes
 * join regions, the rebalancer plans over every node with the goals the placement group
 * committed, and nodes drain. The moves go through the migration executor as every
 * rebalance does (support/rebalancing-scenario.ts); the goals are judged by the regions
 * scenario's checks.
 */
export class GoalRebalanceScenario {
  readonly joined: NodeId[] = [];
  private mapChecked = false;

  constructor(private readonly world: PhantomWorld) {}

  /** One node joins each region, in a zone of its own ("<region>-j"); waits until every member sees it. */
  joinEachRegion(): void {
    const database = regions(this.world).database;
    const cluster = this.world.cluster;
    let number = 1 + Math.max(0, ...cluster.nodeIds.map((id) => Number(/(\d+)$/.exec(id)?.[1] ?? 0)));
    for (const region of database.regions) {
      const id = `node-${number++}`;
      cluster.addNode(id, { seeds: ['node-1'], metadata: { region, zone: `${region}-${JOIN_ZONE}` } });
      this.joined.push(id);
    }
    this.world.waitUntil(() => this.joined.every((id) => cluster.everyLiveMemberSees(id, 'alive')), JOIN_BOUND_MS, `${this.joined.join(', ')} to join`);
  }

  /** Plans a rebalance within the committed goals (draining `draining`) and waits for the executor to carry it out. */
  rebalance(draining: readonly NodeId[], withinMs: number): void {
    const database = regions(this.world).database;
    const plan = database.planRebalance(draining);
    const title = draining.length === 0 ? 'plan of the rebalance' : `plan of the drain of ${draining.join(', ')}`;
    this.world.attachText(title, plan.moves.map((move) => `${move.kind}: ${move.reason}`).join('\n') || 'no move');
    const rebalance = rebalancing(this.world);
    if (!this.mapChecked) {
      this.mapChecked = true;
      this.world.addFinalCheck('the placement map agrees with every group configuration', () => rebalance.assertMapAgreesWithGroups(30_000));
    }
    const startMs = this.world.sim.nowMs;
    rebalance.submit(plan.moves);
    rebalance.waitForMoves(withinMs);
    this.world.attachText(`${title}: duration`, `${plan.moves.length} moves finished in ${(this.world.sim.nowMs - startMs).toFixed(0)} ms of virtual time`);
  }

  /**
   * Asks the placement service for a table's new survival goal or home region and waits
   * until it is committed. Throws the refusal (a goal the regions cannot meet is refused
   * before anything is proposed; the placement group may refuse it too).
   */
  requestGoal(table: string, change: { goal?: SurvivalGoal; homeRegion?: string }): void {
    const database = regions(this.world).database;
    const pending: GoalChange = change.goal !== undefined ? database.changeSurvivalGoal(table, change.goal) : database.changeHomeRegion(table, change.homeRegion!);
    this.world.waitUntil(() => pending.settled, GOAL_BOUND_MS, `the placement service to commit table ${table}'s new goal`);
    if (pending.problem !== undefined) throw new Error(pending.problem);
  }

  /** A committed goal change, then the rebalance that meets it (waiting at most `withinMs` for the moves). */
  changeGoal(table: string, change: { goal?: SurvivalGoal; homeRegion?: string }, withinMs: number): void {
    this.requestGoal(table, change);
    this.rebalance([], withinMs);
  }

  /** An operator hands the table's leadership to its voter in `region` (the database's leadership transfer). */
  handLeadership(table: string, region: string): NodeId {
    const database = regions(this.world).database;
    const voter = database.placementOf(table).voters.find((node) => database.regionOf(node) === region);
    if (voter === undefined) throw new Error(`table ${table} has no voter in ${region} (voters: ${database.placementOf(table).voters.join(', ')})`);
    this.world.cluster.database.transferLeadership(database.shardOf(table), voter);
    this.world.waitUntil(() => this.world.cluster.database.leaderOf(database.shardOf(table)) === voter, 5_000, `${voter} (${region}) to lead table ${table}`);
    return voter;
  }

  /** Voters (of any table) each node holds in the committed map. */
  votersOn(node: NodeId): string[] {
    const database = regions(this.world).database;
    return database.tableNames.filter((table) => database.placementOf(table).voters.includes(node));
  }
}

export function goalRebalance(world: PhantomWorld): GoalRebalanceScenario {
  return world.part('goal-rebalance', () => new GoalRebalanceScenario(world));
}
