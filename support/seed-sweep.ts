import { DataTable, supportCodeLibraryBuilder } from '@cucumber/cucumber';
import { CucumberExpression, RegularExpression } from '@cucumber/cucumber-expressions';
import { cleanupProblems, prepareCleanup, settleClientOperations } from './cleanup';
import { registerCrossComponentOracles } from './integration-oracles';
import { parseStepLines, type StepLine } from './seed-sweep-lines';
import { PhantomWorld } from './world';

/**
 * Seed sweeps (FoundationDB-style simulation at scale): one scenario runs the same steps
 * for every seed of a range, each seed in a fresh World, with the same final checks and
 * clean-up checks as the After hook. Seeds are generated from the range, not typed, and
 * a block of seeds is one pickle, so `--shard i/n` spreads blocks over machines.
 *
 * Replay: with PHANTOM_SEED set, the sweep runs only that seed, on the scenario's own
 * World, so the report gets the full attachments (trace, fault log, charts).
 */

/** Every loop has a bound: a block larger than this is a mistake in the feature. */
export const SEEDS_PER_BLOCK_MAX = 1_000;

interface Definition {
  readonly pattern: string | RegExp;
  readonly code: (...args: unknown[]) => unknown;
  readonly expression: CucumberExpression | RegularExpression;
}

let library: Definition[] | undefined;

/** The step definitions cucumber loaded in this process (built once). */
function definitions(): Definition[] {
  if (library) return library;
  const builder = supportCodeLibraryBuilder as unknown as {
    stepDefinitionConfigs: { pattern: string | RegExp; code: (...args: unknown[]) => unknown }[];
    parameterTypeRegistry: ConstructorParameters<typeof CucumberExpression>[1];
  };
  library = builder.stepDefinitionConfigs.map(({ pattern, code }) => ({
    pattern,
    code,
    expression: typeof pattern === 'string' ? new CucumberExpression(pattern, builder.parameterTypeRegistry) : new RegularExpression(pattern, builder.parameterTypeRegistry),
  }));
  return library;
}

/** Runs one step on a World, as cucumber would: the one matching definition, its parameters transformed by that World. */
function runStep(world: PhantomWorld, step: StepLine): void {
  const matches = definitions()
    .map((definition) => ({ definition, args: definition.expression.match(step.text) }))
    .filter((candidate) => candidate.args !== null);
  if (matches.length !== 1) throw new Error(`${matches.length === 0 ? 'no step definition matches' : `${matches.length} step definitions match`} "${step.text}"`);
  const { definition, args } = matches[0];
  world.currentStep = step.text;
  const values = args!.map((argument) => argument.getValue(world));
  if (step.table) values.push(new DataTable(step.table));
  const result = definition.code.apply(world, values);
  if (result instanceof Promise) throw new Error(`step "${step.text}" is asynchronous; a sweep runs synchronous steps only`);
}

export interface SeedOutcome {
  readonly seed: number;
  readonly error: string | undefined;
  readonly digest: string | undefined;
}

/** One seed in a fresh World: the steps, then what the After hook checks. */
export function runSeed(seed: number, steps: readonly StepLine[], scenarioName: string): SeedOutcome {
  const world = new PhantomWorld({ attach: () => undefined, log: () => undefined, link: () => undefined, parameters: {} } as unknown as ConstructorParameters<typeof PhantomWorld>[0]);
  world.seed = seed;
  world.seedSource = 'step';
  world.scenarioName = `${scenarioName} (seed ${seed})`;
  prepareCleanup(world);
  registerCrossComponentOracles(world);
  let error: string | undefined;
  let digest: string | undefined;
  try {
    for (const step of steps) runStep(world, step);
    world.runFinalChecks();
    const unchecked = world.pendingError;
    if (unchecked) throw new Error(`A step caught this error but no later step checked it: ${unchecked.message}`);
    settleClientOperations(world);
    digest = world.hasSimulation ? world.sim.trace.digestHex() : undefined;
  } catch (caught) {
    error = caught instanceof Error ? caught.message : String(caught);
  } finally {
    world.dispose();
  }
  const leaks = cleanupProblems(world);
  if (error === undefined && leaks.length > 0) error = `Clean-up after the scenario failed:\n${leaks.map((leak) => `- ${leak}`).join('\n')}`;
  return { seed, error, digest };
}

/** Runs seeds `first..last` (or only PHANTOM_SEED on `world`) and fails naming every failing seed with its replay command. */
export function sweepSeeds(world: PhantomWorld, first: number, last: number, docString: string): void {
  if (!(Number.isInteger(first) && Number.isInteger(last) && first >= 0 && last >= first)) throw new Error(`In step "${world.currentStep}": the seed range ${first} to ${last} is not a range of whole numbers`);
  if (last - first + 1 > SEEDS_PER_BLOCK_MAX) throw new Error(`In step "${world.currentStep}": at most ${SEEDS_PER_BLOCK_MAX} seeds per block, got ${last - first + 1}; split the range into more Examples rows`);
  const steps = parseStepLines(docString);
  if (world.seedSource === 'PHANTOM_SEED') {
    world.attachText('seed sweep', `PHANTOM_SEED=${world.seed}: replaying that seed alone, with full attachments`);
    for (const step of steps) runStep(world, step);
    return;
  }
  const started = Date.now();
  const cpuStarted = process.cpuUsage();
  const failures: SeedOutcome[] = [];
  for (let seed = first; seed <= last; seed++) {
    const outcome = runSeed(seed, steps, world.scenarioName);
    if (outcome.error !== undefined) failures.push(outcome);
  }
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const count = last - first + 1;
  const replay = (seed: number): string => `PHANTOM_SEED=${seed} ${world.replayCommand}`;
  world.attachText(
    'seed sweep',
    [`${count} seeds (${first}..${last}), ${count - failures.length} passed, ${failures.length} failed, ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s of processor time (${((count / cpuSeconds) * 60).toFixed(0)} seeds per minute of one core; ${((count / seconds) * 60).toFixed(0)} per wall minute on this machine)`, ...failures.map((failure) => `seed ${failure.seed} FAILED: ${firstLines(failure.error!)}\n  replay: ${replay(failure.seed)}`)].join('\n'),
  );
  if (failures.length > 0) {
    // The After hook prints the World's seed with its replay line: make it the first failing seed.
    world.seed = failures[0].seed;
    world.seedSource = 'step';
    throw new Error(`${failures.length} of ${count} seeds failed:\n${failures.map((failure) => `- seed ${failure.seed}: ${firstLines(failure.error!)}\n  replay: ${replay(failure.seed)}`).join('\n')}`);
  }
}

function firstLines(text: string): string {
  const lines = text.split('\n');
  return lines.slice(0, 4).join('\n    ') + (lines.length > 4 ? ' …' : '');
}
