import { RegionalDatabase } from '../src/api/regional-database';
import type { Operation } from '../src/kv/client-operation';
import { DEFAULT_RAFT_TUNING } from '../src/runtime/raft-host';
import { SURVIVAL_GOALS, type SurvivalGoal, type TableLocality } from '../src/placement/survival';
import type { RegionLatencyRow } from '../src/sim';
import { kvStore } from './kv-scenario';
import { rebalancing } from './rebalancing-scenario';
import type { PhantomWorld } from './world';

/** Zones of a region are named region-a, region-b, ... (one node per zone). */
const ZONE_LETTERS = 'abcdefghij';
/** Bound for the cluster to form across regions, and for every table to elect its leader. */
const FORM_BOUND_MS = 20_000;
const LEADER_BOUND_MS = 10_000;
/** Bound for the placement group to commit a table's new goal. */
const GOAL_BOUND_MS = 5_000;
/** Keys each writer cycles through, per table. */
const KEYS_PER_TABLE = 3;
/** Think time between a writer's operations, in ms. */
const THINK_MS = 20;
/** Every third operation of a writer is a read, so that the histories check reads too. */
const READ_EVERY = 3;

/** One client operation of the regional workload, as the measurements see it. */
export interface RegionalOperation {
  readonly region: string;
  readonly table: string;
  readonly kind: 'read' | 'write';
  readonly operation: Operation;
  readonly invokedAtMs: number;
  /** For an operation that did not succeed: the error the application was given. */
  error?: string;
}

/** Raft's tick in the store (src/runtime/raft-host.ts DEFAULT_RAFT_TUNING), in ms: how often the membership watch samples. */
const RAFT_TICK_MS = DEFAULT_RAFT_TUNING.tickMs;

/** A learner seen joining a table's group while moves ran, and what the leader knew of it when last sampled as a learner. */
export interface Joiner {
  readonly shard: string;
  readonly node: string;
  readonly learnerAtMs: number;
  voterAtMs: number | undefined;
  /** Its match index as the leader knew it at the last sample as a learner, then at the first as a voter. */
  lastMatchIndex: number;
  lastSampleMs: number;
  /** The leader's commit index one election timeout before the last sample as a learner. */
  commitIndexOneElectionTimeoutBefore: number;
  electionTimeoutMs: number;
}

/** A fault the scenario injected, with its virtual time span. */
export interface RegionFault {
  readonly kind: 'failure' | 'cut off';
  readonly region: string;
  readonly startMs: number;
  endMs: number | undefined;
}

/**
 * The regional part of a scenario: regions and their latencies, tables with survival
 * goals, one writer per region and table, regional faults, and the measurements the
 * Then-steps judge (commit latency, availability per table and region, recovery).
 */
export class RegionsScenario {
  readonly database: RegionalDatabase;
  readonly operations: RegionalOperation[] = [];
  readonly faults: RegionFault[] = [];
  private writing = false;
  /** Commit latencies count writes started from here on (after the last home-region move finished). */
  private measureFromMs = 0;
  private nextValue = 1;
  private readonly random;

  constructor(private readonly world: PhantomWorld) {
    this.database = new RegionalDatabase(world.sim, world.cluster);
    this.random = world.sim.random.stream('regions-workload');
    // Registered first, so it runs before the history oracles: clients still writing stop and finish.
    world.addFinalCheck('the regional clients stop writing', () => {
      if (this.writing) this.stopWriters();
    });
  }

  /** Starts `perRegion` nodes in every region of the latency rows (zones region-a, -b, ...) and waits for one membership view. */
  start(perRegion: number, latencies: readonly RegionLatencyRow[], inRegionMs: number): void {
    if (!(perRegion >= 1 && perRegion <= ZONE_LETTERS.length)) throw new Error(`nodes per region must be 1 to ${ZONE_LETTERS.length}, got ${perRegion}`);
    const regions = [...new Set(latencies.flatMap((row) => [row.from, row.to]))];
    this.database.configure({ regions, latencies, inRegionMs });
    let index = 1;
    for (const region of regions) {
      for (let zone = 0; zone < perRegion; zone++, index++) {
        this.world.cluster.addNode(`node-${index}`, { seeds: index === 1 ? [] : ['node-1'], metadata: { region, zone: `${region}-${ZONE_LETTERS[zone]}` } });
      }
    }
    const count = index - 1;
    this.world.waitUntil(() => this.world.cluster.liveMembers().length >= count && this.world.cluster.agreement(), FORM_BOUND_MS, `all ${count} nodes in ${regions.length} regions to join`);
    this.world.attachText('nodes', this.database.sitedNodes().map((node) => `${node.id}: ${node.region}, zone ${node.zone}`).join('\n'));
  }

  /** Creates the tables (one shard each, placed by survival goal) and waits for every leader. */
  createTables(tables: readonly TableLocality[]): void {
    const database = this.world.cluster.database;
    database.recordSafetyViolations = true;
    this.database.createTables(tables);
    this.world.waitUntil(() => database.shardIds().every((shard) => database.hasStableLeader(shard)), LEADER_BOUND_MS, 'every table to have a leader');
    const kv = kvStore(this.world);
    this.world.addFinalCheck('consensus safety', () => {
      if (database.safetyViolations.length > 0) throw new Error(database.safetyViolations.map((violation) => violation.message).join('\n'));
    });
    this.world.addFinalCheck('linearizability of every client history', () => kv.assertLinearizable());
    this.world.addFinalCheck('no acknowledged write lost', () => kv.assertNoLostWrites());
    this.world.attachText('placement', this.placementTable());
  }

  placementTable(): string {
    return this.database.tableNames
      .map((table) => {
        const locality = this.database.locality(table);
        const placement = this.database.placementOf(table);
        const voters = placement.voters.map((node) => `${node} (${this.database.regionOf(node)})`).join(', ');
        return `${table}: survival goal ${locality.goal}, home region ${locality.homeRegion}; voters ${voters}; preferred leader ${placement.preferredLeader}`;
      })
      .join('\n');
  }

  /** One writer per region and table: writes (and every third operation a read) with a short think time. */
  startWriters(): void {
    if (this.writing) throw new Error('the clients are already writing');
    this.writing = true;
    for (const region of this.database.regions) {
      for (const table of this.database.tableNames) this.next(region, table, `w-${region}-${table}`, 0);
    }
  }

  stopWriters(): void {
    this.writing = false;
    this.world.waitUntil(() => this.operations.every((entry) => entry.operation.done), 30_000, 'the clients to finish their last operations');
  }

  private next(region: string, table: string, client: string, count: number): void {
    if (!this.writing) return;
    const key = `k${1 + Math.floor(this.random.next() * KEYS_PER_TABLE)}`;
    const kind = count % READ_EVERY === READ_EVERY - 1 ? 'read' : 'write';
    const invokedAtMs = this.world.sim.nowMs;
    const operation = kind === 'write' ? this.database.write(client, region, table, key, `${client}-${this.nextValue++}`) : this.database.read(client, region, table, key);
    const entry: RegionalOperation = { region, table, kind, operation, invokedAtMs };
    this.operations.push(entry);
    operation.onComplete(() => {
      if (operation.outcome !== 'ok') entry.error = this.database.explainFailure(table, region, operation);
      this.world.sim.scheduler.schedule(THINK_MS, () => this.next(region, table, client, count + 1));
    });
  }

  /** Moves a table's home region: plans the survival moves and runs them through the migration executor, waiting at most `withinMs`. */
  moveHomeRegion(table: string, region: string, withinMs: number): void {
    const change = this.database.changeHomeRegion(table, region);
    this.world.waitUntil(() => change.settled, GOAL_BOUND_MS, `the placement group to commit table ${table}'s new home region ${region}`);
    if (change.problem !== undefined) throw new Error(change.problem);
    const plan = this.database.planSurvival();
    this.world.attachText(`plan for ${table}'s new home region ${region}`, plan.moves.map((move) => `${move.kind}: ${move.reason}`).join('\n') || 'no move');
    const rebalance = rebalancing(this.world);
    if (!this.executorChecked) {
      this.executorChecked = true;
      this.world.addFinalCheck('the placement map agrees with every group configuration', () => rebalance.assertMapAgreesWithGroups(30_000));
    }
    const startMs = this.world.sim.nowMs;
    const watch = this.watchMembership(this.database.shardOf(table));
    rebalance.submit(plan.moves);
    try {
      rebalance.waitForMoves(withinMs);
    } finally {
      watch.stop();
    }
    this.measureFromMs = this.world.sim.nowMs;
    this.world.attachText(`moving ${table} home to ${region}`, `${plan.moves.length} moves finished in ${(this.measureFromMs - startMs).toFixed(0)} ms of virtual time`);
  }

  private executorChecked = false;

  /** Learners of the watched groups, each from when it joined until it became a voter (or the watch ended). */
  readonly joiners: Joiner[] = [];

  /**
   * Samples a table's group every tick of its Raft timer while a move runs: its
   * configuration, the leader's commit index, and each learner's match index as the
   * leader knows it. What a promotion is judged by (`promotionProblems`).
   */
  private watchMembership(shard: string): { stop(): void } {
    const database = this.world.cluster.database;
    const history: { atMs: number; commitIndex: number }[] = [];
    const open = new Map<string, Joiner>();
    let watching = true;
    const sample = (): void => {
      if (!watching) return;
      const leader = database.leaderOf(shard);
      const host = leader === undefined ? undefined : database.replica(shard, leader);
      if (host !== undefined) {
        const status = host.status();
        const nowMs = this.world.sim.nowMs;
        history.push({ atMs: nowMs, commitIndex: status.commitIndex });
        for (const learner of status.config.learners) {
          let joiner = open.get(learner);
          if (joiner === undefined) {
            joiner = { shard, node: learner, learnerAtMs: nowMs, voterAtMs: undefined, lastMatchIndex: 0, lastSampleMs: nowMs, commitIndexOneElectionTimeoutBefore: 0, electionTimeoutMs: 0 };
            open.set(learner, joiner);
            this.joiners.push(joiner);
          }
          const electionTimeoutMs = host.raft.timing.electionTicks * RAFT_TICK_MS;
          joiner.lastMatchIndex = status.progress?.[learner]?.matchIndex ?? 0;
          joiner.lastSampleMs = nowMs;
          joiner.electionTimeoutMs = electionTimeoutMs;
          joiner.commitIndexOneElectionTimeoutBefore = [...history].reverse().find((entry) => entry.atMs <= nowMs - electionTimeoutMs)?.commitIndex ?? 0;
        }
        for (const [node, joiner] of open) {
          if (status.config.voters.includes(node)) {
            joiner.voterAtMs = nowMs;
            // What it held when promoted is at least what the leader knows of it a sample later.
            joiner.lastMatchIndex = Math.max(joiner.lastMatchIndex, status.progress?.[node]?.matchIndex ?? 0);
            open.delete(node);
          } else if (!status.config.learners.includes(node)) open.delete(node);
        }
      }
      this.world.sim.scheduler.schedule(RAFT_TICK_MS, sample);
    };
    sample();
    return { stop: () => (watching = false) };
  }

  /**
   * What is wrong with the promotions seen while moves ran: a learner not promoted within
   * `boundMs` of joining, or one promoted while it lacked entries the leader had committed
   * one election timeout before (thesis §4.2.1: promoted only once a round of catching up
   * takes less than an election timeout, so it is less than that far behind).
   */
  promotionProblems(boundMs: number): string[] {
    if (this.joiners.length === 0) return ['no voter joined any table while the moves ran'];
    return this.joiners.flatMap((joiner) => {
      const who = `${joiner.node} joining ${joiner.shard} as a learner at ${joiner.learnerAtMs.toFixed(0)} ms`;
      if (joiner.voterAtMs === undefined) return [`${who} never became a voter`];
      const problems: string[] = [];
      const tookMs = joiner.voterAtMs - joiner.learnerAtMs;
      if (tookMs > boundMs) problems.push(`${who} became a voter only after ${tookMs.toFixed(0)} ms, more than ${boundMs} ms`);
      if (joiner.lastMatchIndex < joiner.commitIndexOneElectionTimeoutBefore) {
        problems.push(`${who} was promoted holding entries up to ${joiner.lastMatchIndex} only (${joiner.lastSampleMs.toFixed(0)} ms), though its leader had committed up to ${joiner.commitIndexOneElectionTimeoutBefore} one election timeout (${joiner.electionTimeoutMs} ms) before`);
      }
      return problems;
    });
  }

  /** Every server node of the region crashes (a region failure). */
  failRegion(region: string): void {
    for (const node of this.database.nodesIn(region)) this.world.sim.node(node).crash();
    this.faults.push({ kind: 'failure', region, startMs: this.world.sim.nowMs, endMs: undefined });
  }

  /** The region's nodes restart from their disks. */
  restoreRegion(region: string): void {
    for (const node of this.database.nodesIn(region)) this.world.sim.node(node).restart();
    this.endFault(region, 'failure');
  }

  /** The region, its nodes and its clients, can no longer reach any other region (either way). */
  cutOff(region: string): void {
    const inside = this.world.sim.nodeIds.filter((node) => this.world.sim.network.regionOfNode(node) === region);
    this.world.sim.network.partition([inside]);
    this.faults.push({ kind: 'cut off', region, startMs: this.world.sim.nowMs, endMs: undefined });
  }

  reconnect(): void {
    this.world.sim.network.heal();
    for (const fault of this.faults) if (fault.kind === 'cut off' && fault.endMs === undefined) fault.endMs = this.world.sim.nowMs;
  }

  private endFault(region: string, kind: RegionFault['kind']): void {
    const fault = [...this.faults].reverse().find((entry) => entry.region === region && entry.kind === kind && entry.endMs === undefined);
    if (fault === undefined) throw new Error(`region ${region} has no ${kind} to end`);
    fault.endMs = this.world.sim.nowMs;
  }

  lastFault(): RegionFault {
    const fault = this.faults.at(-1);
    if (fault === undefined) throw new Error(`In step "${this.world.currentStep}": no region has failed or been cut off yet`);
    return fault;
  }

  /** Acknowledged writes of a table from a region, completed within [fromMs, toMs). */
  acknowledged(table: string, region: string | undefined, fromMs: number, toMs: number): RegionalOperation[] {
    return this.operations.filter((entry) => entry.table === table && (region === undefined || entry.region === region) && entry.kind === 'write' && entry.operation.outcome === 'ok' && entry.operation.completedAtMs! >= fromMs && entry.operation.completedAtMs! < toMs);
  }

  /** Writes of a table from a region that ended without success within [fromMs, toMs]. */
  failedWrites(table: string, region: string, fromMs: number, toMs: number): RegionalOperation[] {
    return this.operations.filter((entry) => entry.table === table && entry.region === region && entry.kind === 'write' && entry.operation.done && entry.operation.outcome !== 'ok' && entry.operation.completedAtMs! >= fromMs && entry.operation.completedAtMs! <= toMs);
  }

  /** The longest stretch within [fromMs, toMs] with no acknowledged write of the table from the region. */
  longestGapMs(table: string, region: string | undefined, fromMs: number, toMs: number): number {
    const times = this.acknowledged(table, region, fromMs, toMs).map((entry) => entry.operation.completedAtMs!).sort((left, right) => left - right);
    let previous = fromMs;
    let longest = 0;
    for (const time of [...times, toMs]) {
      longest = Math.max(longest, time - previous);
      previous = time;
    }
    return longest;
  }

  /** Median latency, in simulated ms, of the table's acknowledged writes from clients in `region` (started after the last home-region move finished). */
  medianWriteLatencyMs(table: string, region: string): { medianMs: number; count: number } {
    const latencies = this.acknowledged(table, region, 0, Number.POSITIVE_INFINITY).filter((entry) => entry.invokedAtMs >= this.measureFromMs).map((entry) => entry.operation.completedAtMs! - entry.invokedAtMs).sort((left, right) => left - right);
    if (latencies.length === 0) throw new Error(`no write to table ${table} from ${region} was acknowledged`);
    return { medianMs: latencies[Math.floor((latencies.length - 1) / 2)], count: latencies.length };
  }
}

export function regions(world: PhantomWorld): RegionsScenario {
  return world.part('regions', () => new RegionsScenario(world));
}

/** Reads the tables' survival goals: survival goal and home region per table, voters 3 unless given. */
export function parseTables(rows: readonly Record<string, string>[]): TableLocality[] {
  return rows.map((row) => {
    const table = required(row, 'table');
    const goal = required(row, 'survival goal') as SurvivalGoal;
    if (!SURVIVAL_GOALS.includes(goal)) throw new Error(`table ${table}: survival goal must be one of ${SURVIVAL_GOALS.join(', ')}, got ${JSON.stringify(goal)}`);
    const voters = row.voters === undefined || row.voters === '' ? 3 : Number(row.voters);
    if (!Number.isInteger(voters)) throw new Error(`table ${table}: voters must be a whole number, got ${JSON.stringify(row.voters)}`);
    return { table, goal, homeRegion: required(row, 'home region'), voters };
  });
}

function required(row: Record<string, string>, column: string): string {
  const value = row[column];
  if (value === undefined || value.trim() === '') throw new Error(`the table needs a "${column}" column with a value in every row (got ${JSON.stringify(row)})`);
  return value.trim();
}
