import { defaultQueryTimeoutMs, QueryRun } from '../src/api/query-engine';
import { compileQuery, distributedRowKey } from '../src/query';
import { TransactionSystem } from '../src/api/transaction-system';
import { QueryClient, type QueryExecution } from '../src/query/client';
import type { ShardMap } from '../src/sharding/shard-map';
import { moveBetweenRows, queries, splitTooSlow, submitSplit } from './query-scenario';
import type { PhantomWorld } from './world';

/** A run of the query may take this long (virtual time) before it fails: a slowed shard makes each attempt slow. */
const QUERY_TIMEOUT_MS = 10_000;
const QUERY_BOUND_MS = QUERY_TIMEOUT_MS + 1_000;
const TRANSFERS_BOUND_MS = 10_000;
/** The moving client keeps going until this many moves committed. */
const MOVES_AT_LEAST = 10;

/** What a query client whose map went stale says when a shard turns it away (src/query/client.ts). */
const TURNED_AWAY = /no longer serves slot/;

/**
 * A query client on a node of its own whose shard map is the one it was given when it
 * started: it fetches the current map only after a shard turned an attempt of its query
 * away because the slots moved (as a coordinator with a cached map would). It is the
 * coordinator the shard fence exists for: the map it plans with can be arbitrarily old,
 * so only the shards' own fences keep it from reading a slot where it no longer lives.
 */
class StaleMapClient {
  readonly client: QueryClient;
  private known: ShardMap;
  private current: QueryExecution | undefined;
  private reasonsSeen = 0;
  /** Runs that were turned away at least once, and so planned again on a newer map. */
  turnedAway = 0;
  /** The map epoch it started with. */
  readonly startEpoch: number;

  constructor(private readonly world: PhantomWorld, readonly name: string) {
    const database = world.cluster.database;
    this.known = database.shardMap;
    this.startEpoch = this.known.epoch;
    let created: QueryClient | undefined;
    world.sim.addNode(`query-client:${name}`, (env) => {
      created = new QueryClient(env, { clientId: name, shardMap: () => this.map(), tuning: database.txnSettings.tuning, timeoutMs: defaultQueryTimeoutMs, fragmentAttemptTimeoutMs: 300 });
      const client = created;
      return { onMessage: (from, message) => client.onMessage(from, message) };
    });
    this.client = created!;
  }

  /** The map it plans with: refreshed only when the running query was turned away since it last looked. */
  private map(): ShardMap {
    const reasons = this.current?.retryReasons ?? [];
    const fresh = reasons.slice(this.reasonsSeen);
    this.reasonsSeen = reasons.length;
    if (fresh.some((reason) => TURNED_AWAY.test(reason))) this.known = this.world.cluster.database.shardMap;
    return this.known;
  }

  query(text: string): QueryRun {
    const engine = queries(this.world).engine;
    const compiled = compileQuery(text, engine.catalog, this.known, {});
    this.current = undefined;
    this.reasonsSeen = 0;
    const execution = this.client.run({ plan: compiled.plan, replan: (map) => compileQuery(text, engine.catalog, map, {}).plan, timeoutMs: QUERY_TIMEOUT_MS });
    this.current = execution;
    const run = new QueryRun(text, compiled, execution, undefined);
    this.runs.add(run);
    return run;
  }

  private readonly runs = new Set<QueryRun>();

  ran(run: QueryRun): boolean {
    return this.runs.has(run);
  }

  /** Counts a finished run that was turned away. */
  noteFinished(run: QueryRun): void {
    if (run.execution?.retryReasons.some((reason) => TURNED_AWAY.test(reason))) this.turnedAway++;
  }
}

/**
 * Queries while a shard splits, under the conditions the shard fence and the slot-scoped
 * scan locks exist for (src/query/shard-service.ts, src/txn/participant-state.ts `lockIn`):
 * a query client whose shard map is stale while the split commits, transfers racing the
 * move, and query clients that reach one shard late (so a query holds its locks on the
 * splitting shard long before it reads elsewhere). Every run goes to the queries part's
 * periodic runs, so "every run of the query returned:" checks them all; with transfers
 * running, a count and a sum over the table are what any snapshot of the rows gives.
 */
export class QueryMovesScenario {
  private stale: StaleMapClient | undefined;

  constructor(private readonly world: PhantomWorld) {}

  addStaleMapClient(): void {
    if (this.stale !== undefined) throw new Error(`In step "${this.world.currentStep}": there already is a query client with an old shard map`);
    if (this.world.cluster.database.shardIds().length === 0) throw new Error(`In step "${this.world.currentStep}": start the store first`);
    this.stale = new StaleMapClient(this.world, 'cached-map');
  }

  get staleClient(): StaleMapClient {
    if (this.stale === undefined) throw new Error(`In step "${this.world.currentStep}": no query client keeps an old shard map; add one with "Given a second query client that keeps the shard map it has now until a shard turns it away"`);
    return this.stale;
  }

  /**
   * When the split starts, the query clients (the default one and the one with an old map)
   * are cut off from the leader of the shard, both ways, for `durationMs`; the shard's
   * replicas still reach each other and every other client. A query that started then
   * reads the other shards at once and this one only after the cut heals.
   */
  cutQueryClientsAtSplit(shardId: string, durationMs: number): void {
    if (this.cutAtSplit !== undefined) throw new Error(`In step "${this.world.currentStep}": a cut at the split is already planned (from the leader of ${this.cutAtSplit.shardId})`);
    this.cutAtSplit = { shardId, durationMs };
  }

  private cutAtSplit: { shardId: string; durationMs: number } | undefined;
  private slowAtSplit: { shardId: string; delayMs: number } | undefined;
  /** How long the last split took (virtual ms), and how often its source refused to let go of the range. */
  splitTookMs: number | undefined;
  /** Row-to-row moves that began while the split was still running, and those of them that committed. */
  movesStartedWhileMoving = 0;
  movesCommittedWhileMoving = 0;
  releasesDeferred = 0;

  /**
   * When the split starts, every message between the query clients and the leader of the
   * shard takes `delayMs` each way until the split ends: each query then holds the scan
   * locks it took elsewhere for at least a round trip to that leader.
   */
  slowQueryClientsAtSplit(shardId: string, delayMs: number): void {
    if (this.slowAtSplit !== undefined) throw new Error(`In step "${this.world.currentStep}": a slow link at the split is already planned (to the leader of ${this.slowAtSplit.shardId})`);
    this.slowAtSplit = { shardId, delayMs };
  }

  /** The links it slowed, to restore when the split ends. */
  private applySlowAtSplit(): (() => void) | undefined {
    if (this.slowAtSplit === undefined) return undefined;
    const { shardId, delayMs } = this.slowAtSplit;
    const leader = this.world.cluster.database.leaderOf(shardId);
    if (leader === undefined) throw new Error(`${shardId} has no leader to slow the query clients' links to`);
    const network = this.world.sim.network;
    const { clients, links } = this.queryClientLinks(leader);
    for (const [from, to] of links) network.setLinkLatency(from, to, { kind: 'constant', ms: delayMs });
    this.world.attachText('query clients slowed', `${clients.join(', ')} reach ${leader} (leader of ${shardId}) only after ${delayMs} ms each way, from ${this.world.sim.nowMs} ms until the split ends`);
    return () => links.forEach(([from, to]) => network.clearLinkLatency(from, to));
  }

  /** The query clients' nodes (the default client is started if it was not) and the links both ways between each and `leader`. */
  private queryClientLinks(leader: string): { clients: string[]; links: [string, string][] } {
    queries(this.world).engine.client('auditor');
    const clients = ['query-client:auditor', ...(this.stale === undefined ? [] : [`query-client:${this.stale.name}`])];
    return { clients, links: clients.flatMap((client): [string, string][] => [[client, leader], [leader, client]]) };
  }

  private applyCutAtSplit(): void {
    if (this.cutAtSplit === undefined) return;
    const { shardId, durationMs } = this.cutAtSplit;
    const leader = this.world.cluster.database.leaderOf(shardId);
    if (leader === undefined) throw new Error(`${shardId} has no leader to cut the query clients off from`);
    const network = this.world.sim.network;
    const { clients, links } = this.queryClientLinks(leader);
    for (const [from, to] of links) network.cutOneWay(from, to);
    this.world.sim.scheduler.schedule(durationMs, () => links.forEach(([from, to]) => network.restoreOneWay(from, to)));
    this.world.attachText('query clients cut off', `${clients.join(', ')} cut off from ${leader} (leader of ${shardId}) from ${this.world.sim.nowMs} ms for ${durationMs} ms`);
  }

  /**
   * Splits the shard (the upper half of its slots, with their rows, moves to a new shard on
   * the same replicas) while `text` runs every `everyMs` on every query client (the
   * default one and the one with an old map, if there is one) and, when `transfers` is
   * given, one client moves an amount from one row to another again and again. Runs until
   * the split is done (at most 60 s of virtual time) and the queries running then have
   * ended; the moves stop then (once 10 have committed), and one more run per client follows
   * on the settled store.
   * Every run is compared with PostgreSQL over the rows as loaded, so the query must be one
   * the moves cannot change.
   */
  async splitUnderLoad(shardId: string, everyMs: number, text: string, transfers?: PairTransfers): Promise<void> {
    const scenario = queries(this.world);
    const database = this.world.cluster.database;
    const sim = this.world.sim;
    this.applyCutAtSplit();
    const restoreSlowLinks = this.applySlowAtSplit();
    const { executor, newShard, deadlineMs } = submitSplit(this.world, shardId, 'scenario: split under load');
    // They run until the split is done and every query that ran during it ended (so writes race all of those queries),
    // and until MOVES_AT_LEAST committed (a correct shard makes them wait for a query that holds their rows).
    let writesStop = false;
    const system = transfers === undefined ? undefined : this.startPairTransfers(transfers, () => writesStop && scenario.transfersCommitted >= MOVES_AT_LEAST, () => !executor.idle);
    const start = (client: 'auditor' | StaleMapClient): QueryRun => {
      if (!executor.idle) scenario.runsDuringMoves++;
      return client === 'auditor' ? scenario.engine.query(text, { client: 'auditor', timeoutMs: QUERY_TIMEOUT_MS }) : client.query(text);
    };
    const clients: ('auditor' | StaleMapClient)[] = ['auditor', ...(this.stale === undefined ? [] : [this.stale])];
    const running = new Map(clients.map((client) => [client, start(client)]));
    const finish = (client: 'auditor' | StaleMapClient, run: QueryRun): void => {
      scenario.periodicRuns.push(run);
      if (client !== 'auditor') client.noteFinished(run);
    };
    const splitStartedMs = sim.nowMs;
    while (!executor.idle) {
      if (sim.nowMs >= deadlineMs) throw splitTooSlow(shardId, `${executor.progress(database.placement.finishedMoves()).releasesDeferred} releases deferred by locks`);
      sim.runFor(everyMs);
      for (const [client, run] of running) {
        if (!run.done) continue;
        finish(client, run);
        running.set(client, start(client));
      }
    }
    this.splitTookMs = sim.nowMs - splitStartedMs;
    this.releasesDeferred = executor.progress(database.placement.finishedMoves()).releasesDeferred;
    restoreSlowLinks?.();
    this.world.waitUntil(() => [...running.values()].every((run) => run.done), QUERY_BOUND_MS, 'the queries running when the split ended');
    for (const [client, run] of running) finish(client, run);
    writesStop = true;
    if (system !== undefined) this.world.waitUntil(() => scenario.transfersCommitted >= MOVES_AT_LEAST && system!.allResolved(), TRANSFERS_BOUND_MS, `${MOVES_AT_LEAST} moves to commit and the last to end`);
    if (!database.shardMap.shards.some((candidate) => candidate.id === newShard)) throw new Error(`the split of ${shardId} ended without making ${newShard}`);
    for (const client of clients) {
      const last = start(client);
      this.world.waitUntil(() => last.done, QUERY_BOUND_MS, 'the query on the settled store');
      finish(client, last);
    }
    for (const [index, run] of scenario.periodicRuns.entries()) {
      if (!run.ok) continue;
      try {
        await scenario.compareWithOracle(run);
      } catch (error) {
        throw new Error(`run ${index + 1} of ${scenario.periodicRuns.length} (by ${this.clientOf(run)}): ${(error as Error).message}`);
      }
    }
  }

  /**
   * One client moves `amount` of the int column from one row to another every `everyMs`
   * (each transfer one transaction that reads both rows for update and writes both), until
   * `stop()`. Counted in the queries part's `transfersCommitted` and `transfersAborted`, and
   * here in `movesStartedWhileMoving` (and `movesCommittedWhileMoving`) when one began while
   * `moving()` (the split runs).
   */
  private startPairTransfers(transfers: PairTransfers, stop: () => boolean, moving: () => boolean): TransactionSystem {
    const scenario = queries(this.world);
    const table = scenario.engine.table(transfers.table);
    const column = table.columns.findIndex((candidate) => candidate.name === transfers.column);
    if (column < 0 || table.columns[column].type !== 'int') throw new Error(`In step "${this.world.currentStep}": ${transfers.table} has no int column ${transfers.column}`);
    const keyOf = (value: number): string => distributedRowKey(table, table.columns.map((candidate) => (candidate.name === table.distributionColumn || table.primaryKey.includes(candidate.name) ? value : null)));
    const [from, to] = [keyOf(transfers.from), keyOf(transfers.to)];
    const system = new TransactionSystem(this.world.sim, this.world.cluster.database);
    const transfer = (): void => {
      if (stop()) return;
      const startedWhileMoving = moving();
      if (startedWhileMoving) this.movesStartedWhileMoving++;
      moveBetweenRows(system.client('pair-transfers').begin(), from, to, column, transfers.amount, (outcome) => {
        if (outcome === 'committed') scenario.transfersCommitted++;
        else scenario.transfersAborted++;
        if (outcome === 'committed' && startedWhileMoving) this.movesCommittedWhileMoving++;
        this.world.sim.scheduler.schedule(transfers.everyMs, transfer);
      });
    };
    transfer();
    return system;
  }

  private clientOf(run: QueryRun): string {
    return this.stale !== undefined && this.stale.ran(run) ? `the query client with the shard map of epoch ${this.stale.startEpoch}` : 'the query client with the current map';
  }
}

/** Transfers of a fixed amount from one row to another of a table, one every `everyMs`. */
export interface PairTransfers {
  readonly table: string;
  readonly column: string;
  readonly amount: number;
  /** Distribution (and key) values of the two rows. */
  readonly from: number;
  readonly to: number;
  readonly everyMs: number;
}

export function queryMoves(world: PhantomWorld): QueryMovesScenario {
  return world.part('query-moves', () => new QueryMovesScenario(world));
}
