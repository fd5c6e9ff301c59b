import { BoundaryCounters, MessageBoundary, type WireRule } from '../runtime/message-boundary';
import { NodeRuntime } from '../runtime/node-runtime';
import type { NodeEnv, NodeId } from '../runtime/ports';
import { shardForKey } from '../sharding/shard-map';
import type { Simulation } from '../sim';
import { TxnClient } from '../txn/client';
import type { TxnDatabase } from './transaction-system';
import { sagaCommandCheck, sagaResultCheck, txnClientResponseCheck } from '../txn/wire';
import { type SagaDefinition, validateDefinition } from '../txn/saga/definition';
import type { SagaLogEntry } from '../txn/saga/log';
import { type LeaseOptions, leaseDefaults, OrchestratorLease } from '../txn/saga/orchestrator-lease';
import { SagaOrchestrator, type SagaRegistry, type SagaStatus, sagaStatus } from '../txn/saga/orchestrator';
import { parseLog, sagaLogKey, StoreSagaJournal } from '../txn/saga/store-journal';
import { type StoreServiceDefinition, StoreService } from '../txn/saga/store-service';

/**
 * What an orchestrator node (`saga.result`) or a service node (`saga.command`) takes: its
 * saga message, and the answers of the transaction coordinators its client talks to.
 * Neither is open: senders are checked against the peers the deployment names.
 */
export function storeSagaWireRules(sagaType: 'saga.command' | 'saga.result'): Map<string, WireRule> {
  return new Map<string, WireRule>([
    [sagaType, { check: sagaType === 'saga.command' ? sagaCommandCheck : sagaResultCheck, open: false }],
    ['txn.client-response', { check: txnClientResponseCheck, open: false }],
  ]);
}

/** How the store deployment is laid out. */
export interface StoreSagaOptions {
  /** Orchestrator nodes (one active, the others standing by). */
  readonly orchestrators: number;
  readonly lease: LeaseOptions;
}

/**
 * Sagas over the sharded store: the same definitions and orchestrator as `SagaSystem`
 * (src/api/saga-system.ts, the smallest deployment: one orchestrator with its log on its own disk,
 * services with their state on theirs), deployed so that nothing lives on one disk:
 *
 * - orchestrators on nodes `saga-orchestrator-<n>`, one active by a lease in the store and
 *   the others on standby (src/txn/saga/orchestrator-lease.ts); the saga log is a keyspace of the store
 *   (store-journal.ts), so a standby resumes every unfinished saga when it takes over;
 * - services on nodes `service:<name>` that keep no state: each command is a transaction
 *   that commits the state change with its idempotency record (store-service.ts).
 */
export class StoreSagaSystem implements SagaRegistry {
  private readonly definitions = new Map<string, SagaDefinition>();
  /**
   * Each saga's last status with the log text it was read from: the same text gives the same
   * status (until a definition changes), and oracles ask for it every simulated millisecond
   * while they wait, when the log changes far less often.
   */
  private readonly statuses = new Map<string, { readonly log: string; readonly status: SagaStatus | undefined }>();
  private readonly services = new Map<string, StoreServiceDefinition>();
  private counter = 0;
  /** Each orchestrator process's lease (a crashed process's is never looked up again). */
  private readonly leases = new WeakMap<NodeRuntime, OrchestratorLease>();
  readonly orchestratorNodes: NodeId[];
  /** Messages the orchestrators and services dropped at their boundary (wrong sender, malformed). */
  readonly boundaryDrops = new BoundaryCounters();

  constructor(
    private readonly sim: Simulation,
    private readonly database: TxnDatabase,
    private readonly options: StoreSagaOptions = { orchestrators: 3, lease: leaseDefaults },
  ) {
    if (options.orchestrators < 1) throw new Error('sagas over the store need at least one orchestrator');
    this.orchestratorNodes = Array.from({ length: options.orchestrators }, (_, index) => `saga-orchestrator-${index + 1}`);
  }

  define(definition: SagaDefinition): void {
    validateDefinition(definition);
    this.definitions.set(definition.name, definition);
    this.statuses.clear();
  }

  definition(name: string): SagaDefinition | undefined {
    return this.definitions.get(name);
  }

  serviceNode(name: string): NodeId {
    return `service:${name}`;
  }

  /** A service whose state is in the store, on its own node (created on first use). */
  addService(definition: StoreServiceDefinition): NodeId {
    const node = this.serviceNode(definition.name);
    this.services.set(definition.name, definition);
    if (this.sim.hasNode(node)) return node;
    this.sim.addNode(node, (env) => {
      const runtime = new NodeRuntime(env);
      const client = this.storeClient(env, runtime, 'saga.command', (from) => this.orchestratorNodes.includes(from));
      runtime.register('saga', new StoreService(env, client, this.services.get(definition.name)!));
      return runtime;
    });
    return node;
  }

  /** Creates and starts the orchestrator nodes (once). */
  startOrchestrators(): void {
    for (const node of this.orchestratorNodes) {
      if (this.sim.hasNode(node)) continue;
      this.sim.addNode(node, (env) => this.orchestratorProcess(env));
    }
  }

  private orchestratorProcess(env: NodeEnv): NodeRuntime {
    const runtime = new NodeRuntime(env);
    const client = this.storeClient(env, runtime, 'saga.result', (from) => from.startsWith('service:') && this.services.has(from.slice('service:'.length)));
    // The lease, the journal and the orchestrator refer to each other; `lease` is set before any callback can run.
    let lease: OrchestratorLease | undefined;
    const journal = new StoreSagaJournal(client, env.timers, () => lease?.epoch, (reason) => lease?.stepDown(reason));
    const orchestrator = new SagaOrchestrator(env, this, journal);
    lease = new OrchestratorLease(env, client, {
      adopt: (sagaId: string, entries: readonly SagaLogEntry[]) => {
        journal.adopted(sagaId, entries);
        orchestrator.adopt(sagaId, entries);
      },
      stepDown: () => {
        orchestrator.abandonAll();
        journal.forgetAll();
      },
    }, this.options.lease);
    runtime.register('saga', orchestrator);
    this.leases.set(runtime, lease);
    lease.start();
    return runtime;
  }

  /**
   * A transaction client on the node, behind a boundary that takes `sagaType` from the
   * peers `admitted` names and transaction answers from the store's nodes.
   */
  private storeClient(env: NodeEnv, runtime: NodeRuntime, sagaType: 'saga.command' | 'saga.result', admitted: (from: NodeId) => boolean): TxnClient {
    // A new incarnation gets new transaction ids: ids of the crashed one may still sit in tombstones.
    const incarnation = env.random.int(0x7fffffff).toString(36);
    const client = new TxnClient(env, { clientId: `${env.id.replace(/[^a-zA-Z0-9-]/g, '-')}-${incarnation}`, coordinators: () => this.serverNodes() });
    const rules = storeSagaWireRules(sagaType);
    const servers = (from: NodeId) => this.serverNodes().includes(from);
    const isSaga = (from: NodeId) => admitted(from) || servers(from);
    runtime.guard(new MessageBoundary(env.id, { rules, admitted: isSaga, counters: this.boundaryDrops, trace: (kind, detail) => env.trace(kind, detail) }));
    runtime.register('txn', { onMessage: (from, message) => client.onMessage(from, message) });
    return client;
  }

  private serverNodes(): NodeId[] {
    const nodes = new Set<NodeId>();
    for (const shard of this.database.shardMap.shards) for (const node of shard.replicas) nodes.add(node);
    return [...nodes].sort();
  }

  private runtimeOf(node: NodeId): NodeRuntime | undefined {
    const simNode = this.sim.hasNode(node) ? this.sim.node(node) : undefined;
    return simNode?.state === 'running' && simNode.instance instanceof NodeRuntime ? simNode.instance : undefined;
  }

  /** The lease of an orchestrator node (undefined while it is down). */
  lease(node: NodeId): OrchestratorLease | undefined {
    const runtime = this.runtimeOf(node);
    return runtime === undefined ? undefined : this.leases.get(runtime);
  }

  orchestrator(node: NodeId): SagaOrchestrator | undefined {
    return this.runtimeOf(node)?.service<SagaOrchestrator>('saga');
  }

  service(name: string): StoreService | undefined {
    return this.runtimeOf(this.serviceNode(name))?.service<StoreService>('saga');
  }

  /** The orchestrator node that holds the lease and has finished its scan, if any. */
  activeOrchestrator(): NodeId | undefined {
    return this.orchestratorNodes.find((node) => this.lease(node)?.role === 'active');
  }

  /** Starts a saga on the active orchestrator; returns its id. Its start is durable once `status` finds it. */
  start(definitionName: string, data: Record<string, unknown> = {}): string {
    const node = this.activeOrchestrator();
    if (node === undefined) throw new Error(`no saga orchestrator holds the lease (${this.orchestratorNodes.map((id) => `${id}: ${this.lease(id)?.role ?? 'down'}`).join(', ')})`);
    const sagaId = `${definitionName}-${++this.counter}`;
    this.orchestrator(node)!.start(sagaId, definitionName, data);
    return sagaId;
  }

  /**
   * The committed value of a key, as the leader of its shard applied it (an observer's
   * read, for oracles and reports: once no transaction holds locks, it is what every
   * transaction committed).
   */
  committedValue(key: string): string | null | undefined {
    const shard = shardForKey(this.database.shardMap, key);
    const leader = shard === undefined ? undefined : this.database.leaderOf(shard.id);
    if (shard === undefined || leader === undefined) return undefined;
    return this.database.kvOn(leader)?.machine(shard.id)?.read(key);
  }

  /** A saga's status from its replicated log (undefined: not yet durable, or its shard has no leader). */
  status(sagaId: string): SagaStatus | undefined {
    const value = this.committedValue(sagaLogKey(sagaId));
    if (value === undefined || value === null) return undefined;
    const known = this.statuses.get(sagaId);
    if (known !== undefined && known.log === value) return known.status;
    const status = sagaStatus(parseLog(value), this, sagaId);
    this.statuses.set(sagaId, { log: value, status });
    return status;
  }
}
