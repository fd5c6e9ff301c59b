import { type IWorldOptions, setDefaultTimeout, setWorldConstructor, World } from '@cucumber/cucumber';
import * as sinon from 'sinon';
import { type ClusterCredentials, PhantomCluster } from '../src/api';
import type { NodeId } from '../src/runtime/ports';
import { type SimNode, Simulation } from '../src/sim';

/**
 * Steps are synchronous (the simulation runs inside them), so this time-out applies only
 * to asynchronous steps; synchronous ones are bounded by virtual time and by the
 * scheduler's event budget (`Scheduler.maxEventsPerRun`).
 */
setDefaultTimeout(120_000);

/**
 * The shared state of one scenario. A fresh World is built for every scenario, so nothing
 * leaks between them; the After hook restores the sinon sandbox and disposes the simulation.
 */
export class PhantomWorld extends World {
  /** The scenario's seed: a hash of its name unless PHANTOM_SEED or a step sets it. */
  seed = 0;
  seedSource: 'scenario name' | 'PHANTOM_SEED' | 'step' = 'scenario name';
  scenarioName = '';
  /** `PHANTOM_SEED=… npx cucumber-js file:line`, filled in by the Before hook. */
  replayCommand = '';
  /** Text of the step being run, for error messages. */
  currentStep: string | undefined;
  readonly sandbox = sinon.createSandbox();
  private simulation: Simulation | undefined;
  private phantom: PhantomCluster | undefined;
  /** The credentials the cluster is created with (a Given step may change them first). */
  credentials: ClusterCredentials = { clusterName: 'phantom', joinToken: 'phantom-join-token' };
  /** Values remembered by one step for a later one (an incarnation before a restart, ...). */
  readonly remembered = new Map<string, unknown>();
  /**
   * An error a When-step caught because the scenario expects one (a rejected join, a
   * refused write). A Then-step must check it; the After hook fails the scenario if none did.
   */
  private uncheckedError: Error | undefined;
  private readonly parts = new Map<string, unknown>();
  /** Oracles run by the After hook when the scenario passed its steps (safety, linearizability, convergence). */
  private readonly finalChecks: { name: string; check: () => void }[] = [];

  constructor(options: IWorldOptions) {
    super(options);
  }

  get sim(): Simulation {
    if (!this.simulation) this.simulation = new Simulation({ seed: this.seed });
    return this.simulation;
  }

  get cluster(): PhantomCluster {
    if (!this.phantom) this.phantom = new PhantomCluster(this.sim, this.credentials);
    return this.phantom;
  }

  get hasCluster(): boolean {
    return this.phantom !== undefined;
  }

  /** A node of the cluster; an unknown name fails naming the step and the known nodes. */
  node(id: NodeId): SimNode {
    if (!this.sim.hasNode(id)) {
      const known = this.sim.nodeIds.join(', ') || 'none yet';
      throw new Error(`In step "${this.currentStep}": there is no node called ${id}. Known nodes: ${known}.`);
    }
    return this.sim.node(id);
  }

  /**
   * Runs virtual time until `predicate` holds; fails naming what was awaited, the time and
   * the cluster. Checked every millisecond of virtual time: fine enough for bounds given in
   * seconds, and cheap for cluster-wide predicates. Give `waitingFor` as a function when it
   * describes the system: it is then worded when the wait fails, from the state at that time.
   */
  waitUntil(predicate: () => boolean, withinMs: number, waitingFor: string | (() => string)): void {
    this.sim.runUntil(predicate, { withinMs, waitingFor, pollMs: 1 });
  }

  get hasSimulation(): boolean {
    return this.simulation !== undefined;
  }

  /** Used by "Given the simulation seed is N"; must come before anything is simulated. */
  useSeed(seed: number): void {
    if (this.simulation) throw new Error('the seed must be set before the cluster is created');
    if (this.seedSource === 'PHANTOM_SEED') return; // a replay request wins over the feature text
    this.seed = seed;
    this.seedSource = 'step';
  }

  /** Runs an action that the scenario expects may fail, and keeps the error for a Then-step. */
  attempt(action: () => void): void {
    this.uncheckedError = undefined;
    try {
      action();
    } catch (error) {
      this.uncheckedError = error instanceof Error ? error : new Error(String(error));
    }
  }

  /** Hands the kept error to a Then-step, which must assert on it. */
  takeError(): Error | undefined {
    const error = this.uncheckedError;
    this.uncheckedError = undefined;
    return error;
  }

  get pendingError(): Error | undefined {
    return this.uncheckedError;
  }

  /**
   * A per-scenario part of the World owned by one domain (georeplication, transactions):
   * created on first use, so step files of one domain need not edit this class.
   */
  part<T>(name: string, create: () => T): T {
    if (!this.parts.has(name)) this.parts.set(name, create());
    return this.parts.get(name) as T;
  }

  /** True once a step created the named part (without creating it). */
  hasPart(name: string): boolean {
    return this.parts.has(name);
  }

  /** Registers an oracle that the After hook runs at the end of the scenario; it throws on a violation. */
  addFinalCheck(name: string, check: () => void): void {
    this.finalChecks.push({ name, check });
  }

  runFinalChecks(): void {
    for (const { name, check } of this.finalChecks) {
      try {
        check();
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`Final check "${name}" failed: ${message}`);
      }
    }
  }

  attachText(title: string, text: string): void {
    this.attach(`${title}\n\n${text}`, 'text/plain');
  }

  attachSvg(svg: string): void {
    this.attach(Buffer.from(svg, 'utf8'), 'image/svg+xml');
  }

  dispose(): void {
    this.sandbox.restore();
    this.simulation?.dispose();
  }
}

setWorldConstructor(PhantomWorld);
