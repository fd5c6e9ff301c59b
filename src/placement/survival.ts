import type { NodeId } from '../runtime/ports';

/**
 * Survival goals: where a table's voters may live (CockroachDB multi-region, "Survival
 * goals": ZONE survives the loss of one zone of the home region, REGION the loss of a whole
 * region; "Home regions": the region a table's leaseholder and, under ZONE, all its voters
 * live in). Pure functions: the same nodes and table give the same placement.
 *
 * A table is one shard (one Raft group) here, so its survival goal is the goal of that
 * group's voters. The rule behind both goals is the same arithmetic: a group of n voters
 * needs a quorum q = floor(n / 2) + 1, so a failure domain (a zone, or a region) may hold at
 * most n - q of them; then losing that domain still leaves a quorum.
 * - zone: every voter in the home region, no zone holding more than n - q of them;
 * - region: no region holding more than n - q voters, so at least ceil(n / (n - q)) regions
 *   (3 for 3 or 5 voters). The home region gets as many as it may (n - q), the rest go to
 *   the other regions nearest the home region first (commit latency is the quorum's round
 *   trips: Spanner, and CockroachDB's voter placement).
 * Leaders prefer the home region: the preferred leader is always a home-region voter.
 */

export type SurvivalGoal = 'zone' | 'region';
export const SURVIVAL_GOALS: readonly SurvivalGoal[] = ['zone', 'region'];

/** Where a table lives: its goal, its home region and how many voters its group has. */
export interface TableLocality {
  readonly table: string;
  readonly goal: SurvivalGoal;
  readonly homeRegion: string;
  readonly voters: number;
}

/**
 * A table's goal as the placement group keeps it (a committed entry of its log): the shard
 * that holds the table, and where the table lives. The planner, the rebalancer and
 * scale-in read these, so no plan ever moves a voter or a leader against them.
 */
export interface TableGoal {
  readonly shard: string;
  readonly locality: TableLocality;
}

/**
 * What is wrong with a locality on its own, before any node is looked at (undefined when
 * nothing is): the placement state machine refuses such an entry, and the proposer refuses
 * it before proposing. Whether the regions can meet it is `voterCountsByRegion`'s question.
 */
export function localityProblem(locality: TableLocality): string | undefined {
  const value = locality as Partial<Record<keyof TableLocality, unknown>>;
  if (typeof value.table !== 'string' || !/^[a-z][a-z0-9_]*$/.test(value.table)) return `table name ${JSON.stringify(value.table)} must be lower case letters, digits and _ , starting with a letter`;
  if (!SURVIVAL_GOALS.includes(value.goal as SurvivalGoal)) return `table ${value.table}: the survival goal must be zone or region, got ${JSON.stringify(value.goal)}`;
  if (typeof value.homeRegion !== 'string' || value.homeRegion === '') return `table ${value.table}: the home region must be a region's name, got ${JSON.stringify(value.homeRegion)}`;
  if (!Number.isInteger(value.voters) || (value.voters as number) < 3) return `table ${value.table}: surviving a failure needs at least 3 voters, got ${String(value.voters)}`;
  return undefined;
}

/** A node as placement sees it: which region and zone it stands in. */
export interface SitedNode {
  readonly id: NodeId;
  readonly region: string;
  readonly zone: string;
}

/** A table's goal cannot be met by the nodes given; names the table, the goal and why. */
export class SurvivalGoalError extends Error {
  constructor(locality: TableLocality, why: string) {
    super(`table ${locality.table} cannot have survival goal ${locality.goal} (home region ${locality.homeRegion}): ${why}`);
    this.name = 'SurvivalGoalError';
  }
}

export interface VoterPlacement {
  readonly voters: readonly NodeId[];
  /** Always a voter in the home region. */
  readonly preferredLeader: NodeId;
}

export interface PlacementLoad {
  /** Replicas a node holds already; fewer is preferred. */
  readonly replicas?: (node: NodeId) => number;
  /** Leaders a node is preferred for already; fewer is preferred. */
  readonly leaders?: (node: NodeId) => number;
  /** Regions other than the home region, nearest first (default: by name). */
  readonly regionOrder?: readonly string[];
}

export function quorumOf(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** Most voters one failure domain may hold so that losing it keeps a quorum. */
export function perDomainMax(voters: number): number {
  return voters - quorumOf(voters);
}

/** Voters per region for the table (home region first), or a SurvivalGoalError. */
export function voterCountsByRegion(locality: TableLocality, nodes: readonly SitedNode[], load: PlacementLoad = {}): Map<string, number> {
  checkLocality(locality, nodes);
  const cap = perDomainMax(locality.voters);
  if (locality.goal === 'zone') {
    const home = nodes.filter((node) => node.region === locality.homeRegion);
    const zones = new Set(home.map((node) => node.zone));
    const needed = Math.ceil(locality.voters / cap);
    if (zones.size < needed) {
      throw new SurvivalGoalError(locality, `${locality.voters} voters in ${locality.homeRegion} need ${needed} zones there so that no zone holds more than ${cap}; ${locality.homeRegion} has ${describeSet(zones, 'zone')}`);
    }
    return new Map([[locality.homeRegion, locality.voters]]);
  }
  const regions = new Set(nodes.map((node) => node.region));
  const needed = Math.ceil(locality.voters / cap);
  if (regions.size < needed) {
    throw new SurvivalGoalError(locality, `${locality.voters} voters need at least ${needed} regions so that losing one keeps a quorum of ${quorumOf(locality.voters)}; the cluster has ${describeSet(regions, 'region')}`);
  }
  const nodesIn = (region: string): number => nodes.filter((node) => node.region === region).length;
  const counts = new Map<string, number>([[locality.homeRegion, Math.min(cap, nodesIn(locality.homeRegion))]]);
  const others = (load.regionOrder ?? [...regions].sort()).filter((region) => region !== locality.homeRegion && regions.has(region));
  let left = locality.voters - counts.get(locality.homeRegion)!;
  // Round robin over the other regions, nearest first, each up to the cap and its node count.
  for (let pass = 0; left > 0 && pass < cap; pass++) {
    for (const region of others) {
      if (left === 0) break;
      const count = counts.get(region) ?? 0;
      if (count < cap && count < nodesIn(region)) {
        counts.set(region, count + 1);
        left--;
      }
    }
  }
  if (left > 0) throw new SurvivalGoalError(locality, `the regions have too few nodes for ${locality.voters} voters with at most ${cap} in any region`);
  return counts;
}

/**
 * Places a table's voters: the counts of `voterCountsByRegion`, and inside each region the
 * least-loaded nodes spread over zones (under the zone goal, never more than the cap in one
 * zone). The preferred leader is the home-region voter with the fewest leaderships.
 */
export function placeVoters(locality: TableLocality, nodes: readonly SitedNode[], load: PlacementLoad = {}): VoterPlacement {
  return repairVoters(locality, { voters: [] }, nodes, load);
}

/**
 * The voters a table should have, keeping as many of `current` as the goal allows (each
 * kept voter is one replica move saved), then filling the gaps like `placeVoters`.
 */
export function repairVoters(locality: TableLocality, current: { readonly voters: readonly NodeId[]; readonly preferredLeader?: NodeId }, nodes: readonly SitedNode[], load: PlacementLoad = {}): VoterPlacement {
  const counts = voterCountsByRegion(locality, nodes, load);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const zoneCap = locality.goal === 'zone' ? perDomainMax(locality.voters) : Number.POSITIVE_INFINITY;
  const chosen: SitedNode[] = [];
  const fits = (node: SitedNode): boolean =>
    chosen.filter((other) => other.region === node.region).length < (counts.get(node.region) ?? 0) &&
    chosen.filter((other) => other.region === node.region && other.zone === node.zone).length < zoneCap &&
    !chosen.includes(node);
  for (const id of current.voters) {
    const node = byId.get(id);
    if (node !== undefined && fits(node)) chosen.push(node);
  }
  for (const [region, count] of counts) {
    while (chosen.filter((node) => node.region === region).length < count) {
      const candidates = nodes.filter((node) => node.region === region && fits(node));
      if (candidates.length === 0) throw new SurvivalGoalError(locality, `region ${region} has too few nodes in distinct zones for ${count} voters`);
      chosen.push(candidates.reduce((best, node) => (rankNode(node, chosen, load) < rankNode(best, chosen, load) ? node : best)));
    }
  }
  const home = chosen.filter((node) => node.region === locality.homeRegion);
  const leaders = load.leaders ?? (() => 0);
  // A preferred leader that still fits keeps the preference: no needless leadership transfer.
  const currentLeaderFirst = (node: SitedNode): number => (node.id === current.preferredLeader ? -1 : 0);
  const preferredLeader = home.reduce((best, node) => (compare([currentLeaderFirst(node), leaders(node.id)], node.id, [currentLeaderFirst(best), leaders(best.id)], best.id) < 0 ? node : best));
  return { voters: chosen.map((node) => node.id), preferredLeader: preferredLeader.id };
}

/**
 * What is wrong with a group's voters and preferred leader for the table's goal, one
 * sentence each (empty when the goal holds). The oracle of the region scenarios.
 */
export function survivalViolations(locality: TableLocality, voters: readonly NodeId[], preferredLeader: NodeId | undefined, nodes: readonly SitedNode[]): string[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const problems: string[] = [];
  const sited = voters.map((id) => byId.get(id));
  voters.forEach((id, index) => {
    if (sited[index] === undefined) problems.push(`voter ${id} of table ${locality.table} has no known region`);
  });
  const known = sited.filter((node): node is SitedNode => node !== undefined);
  const cap = perDomainMax(voters.length);
  const quorum = quorumOf(voters.length);
  if (voters.length !== locality.voters) problems.push(`table ${locality.table} has ${voters.length} voters, not ${locality.voters}`);
  if (locality.goal === 'zone') {
    for (const node of known) if (node.region !== locality.homeRegion) problems.push(`table ${locality.table} (survival goal zone) has voter ${node.id} in ${node.region}, outside its home region ${locality.homeRegion}`);
    for (const [zone, count] of countBy(known, (node) => `${node.region}/${node.zone}`)) {
      if (count > cap) problems.push(`table ${locality.table} (survival goal zone) has ${count} of ${voters.length} voters in zone ${zone}: losing it leaves fewer than a quorum of ${quorum}`);
    }
  } else {
    for (const [region, count] of countBy(known, (node) => node.region)) {
      if (count > cap) problems.push(`table ${locality.table} (survival goal region) has ${count} of ${voters.length} voters in region ${region}: losing it leaves fewer than a quorum of ${quorum}`);
    }
  }
  const leader = preferredLeader === undefined ? undefined : byId.get(preferredLeader);
  if (leader === undefined || leader.region !== locality.homeRegion) {
    problems.push(`table ${locality.table} prefers leader ${preferredLeader ?? 'none'}${leader ? ` in ${leader.region}` : ''}, not a voter in its home region ${locality.homeRegion}`);
  } else if (!voters.includes(leader.id)) {
    problems.push(`table ${locality.table} prefers leader ${leader.id}, which is not one of its voters`);
  }
  return problems;
}

function checkLocality(locality: TableLocality, nodes: readonly SitedNode[]): void {
  if (!SURVIVAL_GOALS.includes(locality.goal)) throw new SurvivalGoalError(locality, `the survival goal must be zone or region`);
  if (!Number.isInteger(locality.voters) || locality.voters < 3) {
    throw new SurvivalGoalError(locality, `surviving a failure needs at least 3 voters, got ${locality.voters}`);
  }
  if (!nodes.some((node) => node.region === locality.homeRegion)) {
    throw new SurvivalGoalError(locality, `no node stands in region ${locality.homeRegion} (regions: ${[...new Set(nodes.map((node) => node.region))].sort().join(', ') || 'none'})`);
  }
}

/** Zone not used yet by the chosen voters first, then fewer replicas, then node id. */
function rankNode(node: SitedNode, chosen: readonly SitedNode[], load: PlacementLoad): string {
  const zoneUse = chosen.filter((other) => other.region === node.region && other.zone === node.zone).length;
  const replicas = load.replicas?.(node.id) ?? 0;
  return `${String(zoneUse).padStart(4, '0')}:${String(replicas).padStart(8, '0')}:${node.id}`;
}

function compare(left: readonly number[], leftId: string, right: readonly number[], rightId: string): number {
  for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return left[index] - right[index];
  return leftId < rightId ? -1 : leftId > rightId ? 1 : 0;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function describeSet(values: Set<string>, noun: string): string {
  const sorted = [...values].sort();
  return `${sorted.length} ${noun}${sorted.length === 1 ? '' : 's'}${sorted.length > 0 ? ` (${sorted.join(', ')})` : ''}`;
}

/**
 * Whether a table's survival goal promises that a client in `clientRegion` can still write
 * while `lostRegion` is cut off from the rest (or down). Derived from the goal alone:
 * - region: a quorum stays outside any one region, so clients outside it can write, and
 *   clients inside it (which reach at most n - q voters) cannot;
 * - zone: every voter is in the home region, so the table lives exactly where its home
 *   region is: clients on the home region's side of the cut can write, the others cannot.
 * When `lostRegion` is down rather than cut off, clients there are cut off too.
 */
export function promisesWrites(locality: TableLocality, lostRegion: string, clientRegion: string): boolean {
  const clientInLost = clientRegion === lostRegion;
  if (locality.goal === 'region') return !clientInLost;
  const homeLost = locality.homeRegion === lostRegion;
  return homeLost === clientInLost;
}
