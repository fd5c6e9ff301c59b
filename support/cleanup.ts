import * as sinon from 'sinon';
import type { PhantomWorld } from './world';
import { openInvocations } from './cleanup-history';

/**
 * Clean-up checks run after every scenario (issue 12, §6). A leak fails the scenario that
 * caused it, with a message naming what leaked:
 * - every client operation the scenario started resolved (ok, fail or unknown) within
 *   CLIENT_SETTLE_BOUND_MS of virtual time after the last step: every client has a
 *   deadline, so one still pending after that has been forgotten by its client;
 * - the simulation was disposed and no event is left scheduled;
 * - the sinon sandbox was restored: every method a stub or spy replaced is the original
 *   again, and nothing was faked outside the sandbox (on sinon's default sandbox).
 */

/** Longer than every client deadline (key-value 5 s, transactions and georeplication below 10 s). */
export const CLIENT_SETTLE_BOUND_MS = 30_000;

type OpenOperations = () => string[];

interface Replaced {
  object: object;
  property: PropertyKey;
  original: unknown;
}

interface CleanupState {
  probes: Map<string, OpenOperations>;
  replaced: Replaced[];
}

function state(world: PhantomWorld): CleanupState {
  return world.part('cleanup', () => ({ probes: new Map<string, OpenOperations>(), replaced: [] }));
}

/** A domain tells the clean-up check how to list its client operations still unresolved. */
export function registerOpenOperations(world: PhantomWorld, domain: string, probe: OpenOperations): void {
  state(world).probes.set(domain, probe);
}

function allOpen(world: PhantomWorld): string[] {
  const open: string[] = [];
  for (const [domain, probe] of state(world).probes) for (const operation of probe()) open.push(`${domain} ${operation}`);
  return open;
}

/**
 * Records what sandbox stubs and spies replace, so that the check after restore can tell
 * that every original came back. Called from a Before hook.
 */
export function watchSandbox(world: PhantomWorld): void {
  const sandbox = world.sandbox as unknown as Record<string, (...args: unknown[]) => unknown>;
  const replaced = state(world).replaced;
  for (const method of ['stub', 'spy', 'replace'] as const) {
    const original = sandbox[method].bind(world.sandbox);
    sandbox[method] = (...args: unknown[]) => {
      const [object, property] = args;
      if (object !== null && (typeof object === 'object' || typeof object === 'function') && property !== undefined) {
        replaced.push({ object: object as object, property: property as PropertyKey, original: (object as Record<PropertyKey, unknown>)[property as PropertyKey] });
      }
      return original(...args);
    };
  }
}

/** Before disposal: lets the clients finish (bounded), then names any operation still pending. */
export function settleClientOperations(world: PhantomWorld): void {
  if (!world.hasSimulation || allOpen(world).length === 0) return;
  const deadlineMs = world.sim.nowMs + CLIENT_SETTLE_BOUND_MS;
  world.sim.runUntil(() => allOpen(world).length === 0 || world.sim.nowMs >= deadlineMs, { withinMs: CLIENT_SETTLE_BOUND_MS + 1, waitingFor: 'client operations to resolve', pollMs: 10 });
  const open = allOpen(world);
  if (open.length > 0) {
    throw new Error(`clean-up: ${open.length} client operation(s) still unresolved ${CLIENT_SETTLE_BOUND_MS / 1000} s of virtual time after the last step (a client lost track of them):\n${open.slice(0, 20).map((line) => `- ${line}`).join('\n')}`);
  }
}

/** After disposal: the simulation holds no work and every stub is gone. */
export function cleanupProblems(world: PhantomWorld): string[] {
  const problems: string[] = [];
  if (world.hasSimulation) {
    if (!world.sim.isDisposed) problems.push('the simulation was not disposed');
    const pending = world.sim.scheduler.pendingEvents;
    if (pending > 0) problems.push(`${pending} event(s) still scheduled after the simulation was disposed`);
  }
  for (const { object, property, original } of state(world).replaced) {
    const current = (object as Record<PropertyKey, unknown>)[property];
    if (current !== original) problems.push(`the sandbox did not restore ${String(property)}: it is still a fake after the scenario`);
  }
  const leftInSandbox = (world.sandbox as unknown as { getFakes(): unknown[] }).getFakes().length;
  if (leftInSandbox > 0) problems.push(`${leftInSandbox} fake(s) still in the scenario's sinon sandbox after restore`);
  const global = (sinon as unknown as { getFakes?: () => unknown[] }).getFakes?.() ?? [];
  if (global.length > 0) {
    problems.push(`${global.length} fake(s) created outside the scenario's sandbox (sinon.stub/spy) were never restored; use world.sandbox`);
    sinon.restore(); // so that the next scenario starts clean and is not blamed for this one
  }
  return problems;
}

/** What the Before hook (support/hooks.ts) sets up for the clean-up checks; seed sweeps call it for their fresh Worlds. */
export function prepareCleanup(world: PhantomWorld): void {
  watchSandbox(world);
  registerOpenOperations(world, 'key-value', () => (world.hasCluster ? openInvocations(world.cluster.database.history.events) : []));
}
