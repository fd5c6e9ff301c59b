import { BoundaryCounters, MessageBoundary } from '../../runtime/message-boundary';
import { NodeRuntime } from '../../runtime/node-runtime';
import type { NodeEnv, NodeId } from '../../runtime/ports';
import { sagaCommandCheck, sagaResultCheck } from '../wire';
import type { Simulation } from '../../sim';
import { type SagaDefinition, validateDefinition } from './definition';
import { SagaLog } from './log';
import { SagaOrchestrator, type SagaRegistry, type SagaStatus, sagaStatus } from './orchestrator';
import { IdempotentService, type ServiceApplication, type ServiceHandler } from './service';

/**
 * Sagas in one simulation, as scenarios and tools use them: the definitions (the code the
 * orchestrator runs, the same before and after a restart), an orchestrator on its own
 * node with its durable log, and idempotent services on nodes of their own.
 */
export class SagaSystem implements SagaRegistry {
  private readonly definitions = new Map<string, SagaDefinition>();
  private readonly serviceHandlers = new Map<string, Map<string, ServiceHandler>>();
  private counter = 0;
  /** Messages the orchestrator and the services dropped at their boundary (wrong sender, malformed). */
  readonly boundaryDrops = new BoundaryCounters();

  constructor(
    private readonly sim: Simulation,
    readonly orchestratorNode: NodeId = 'saga-orchestrator',
  ) {}

  define(definition: SagaDefinition): void {
    validateDefinition(definition);
    this.definitions.set(definition.name, definition);
  }

  definition(name: string): SagaDefinition | undefined {
    return this.definitions.get(name);
  }

  /** A service on node `service:<name>`; its handlers are looked up on every command, so they may be replaced. */
  addService(name: string, handlers: Record<string, ServiceHandler>): NodeId {
    const node = this.serviceNode(name);
    this.serviceHandlers.set(name, new Map(Object.entries(handlers)));
    if (!this.sim.hasNode(node)) {
      this.sim.addNode(node, (env) => {
        const runtime = new NodeRuntime(env);
        // A service takes commands from the orchestrator only.
        this.guard(runtime, env, 'saga.command', (from) => from === this.orchestratorNode);
        runtime.register('saga', new IdempotentService(env, (command) => this.serviceHandlers.get(name)?.get(command)));
        return runtime;
      });
    }
    return node;
  }

  setHandler(service: string, command: string, handler: ServiceHandler): void {
    const handlers = this.serviceHandlers.get(service);
    if (handlers === undefined) throw new Error(`no service called ${service}`);
    handlers.set(command, handler);
  }

  serviceNode(name: string): NodeId {
    return `service:${name}`;
  }

  /** The running orchestrator (undefined while its node is down). */
  orchestrator(): SagaOrchestrator | undefined {
    if (!this.sim.hasNode(this.orchestratorNode)) return undefined;
    const node = this.sim.node(this.orchestratorNode);
    return node.state === 'running' && node.instance instanceof NodeRuntime ? node.instance.service<SagaOrchestrator>('saga') : undefined;
  }

  /** Creates and starts the orchestrator's node, if it does not exist yet. */
  ensureOrchestrator(): void {
    if (this.sim.hasNode(this.orchestratorNode)) return;
    this.sim.addNode(this.orchestratorNode, (env) => {
      const runtime = new NodeRuntime(env);
      // The orchestrator takes results from the services it knows only.
      this.guard(runtime, env, 'saga.result', (from) => from.startsWith('service:') && this.serviceHandlers.has(from.slice('service:'.length)));
      runtime.register('saga', new SagaOrchestrator(env, this));
      return runtime;
    });
  }

  private guard(runtime: NodeRuntime, env: NodeEnv, type: 'saga.command' | 'saga.result', admitted: (from: NodeId) => boolean): void {
    const check = type === 'saga.command' ? sagaCommandCheck : sagaResultCheck;
    const rules = new Map([[type, { check, open: false }]]);
    runtime.guard(new MessageBoundary(env.id, { rules, admitted, counters: this.boundaryDrops, trace: (kind, detail) => env.trace(kind, detail) }));
  }

  /** Starts a saga on the orchestrator (creating its node on first use); returns the saga's id. */
  start(definitionName: string, data: Record<string, unknown> = {}): string {
    this.ensureOrchestrator();
    const orchestrator = this.orchestrator();
    if (orchestrator === undefined) throw new Error(`the saga orchestrator on ${this.orchestratorNode} is not running`);
    const sagaId = `${definitionName}-${++this.counter}`;
    orchestrator.start(sagaId, definitionName, data);
    return sagaId;
  }

  /** A saga's status from the orchestrator's log, readable while its node is down too. */
  status(sagaId: string): SagaStatus | undefined {
    if (!this.sim.hasNode(this.orchestratorNode)) return undefined;
    return sagaStatus(new SagaLog(this.sim.node(this.orchestratorNode).disk).entries(sagaId), this, sagaId);
  }

  /** What a service applied, once per idempotency key (from its disk). */
  applications(service: string): readonly ServiceApplication[] {
    const node = this.serviceNode(service);
    if (!this.sim.hasNode(node)) return [];
    return this.sim.node(node).disk.get<ServiceApplication[]>('service/history') ?? [];
  }

  /** Commands a service received, duplicates included. */
  received(service: string): number {
    const node = this.sim.hasNode(this.serviceNode(service)) ? this.sim.node(this.serviceNode(service)) : undefined;
    return node?.instance instanceof NodeRuntime ? (node.instance.service<IdempotentService>('saga')?.received ?? 0) : 0;
  }
}
