import { After, Before, BeforeStep, type ITestCaseHookParameter, Status } from '@cucumber/cucumber';
import { seedFromText, type TrafficCounters } from '../src/sim';
import { cleanupProblems, prepareCleanup, settleClientOperations } from './cleanup';
import { raftGroupsReport } from './consensus-scenario';
import type { PhantomWorld } from './world';

/** Where a pickle comes from: the scenario line, or the Examples row of an outline. */
function pickleLine(parameters: ITestCaseHookParameter): number | undefined {
  const { pickle, gherkinDocument } = parameters;
  const ids = new Set(pickle.astNodeIds);
  let line: number | undefined;
  const visit = (children: readonly any[] | undefined): void => {
    for (const child of children ?? []) {
      const scenario = child.scenario;
      if (scenario && ids.has(scenario.id)) {
        line = scenario.location.line;
        for (const examples of scenario.examples ?? []) {
          for (const row of examples.tableBody ?? []) if (ids.has(row.id)) line = row.location.line;
        }
      }
      if (child.rule) visit(child.rule.children);
    }
  };
  visit(gherkinDocument.feature?.children);
  return line;
}

function parseSeed(text: string): number {
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`PHANTOM_SEED must be an integer in [0, 4294967295], got ${JSON.stringify(text)}`);
  }
  return seed;
}

/** Sent, delivered, dropped and duplicated messages per message type, busiest first. */
function trafficTable(counters: ReadonlyMap<string, TrafficCounters>): string {
  const rows = [...counters].sort(([a, x], [b, y]) => y.sent - x.sent || a.localeCompare(b));
  const lines = rows.map(([type, c]) => `${type.padEnd(28)}${String(c.sent).padStart(10)}${String(c.delivered).padStart(11)}${String(c.dropped).padStart(9)}${String(c.duplicated).padStart(12)}`);
  return [`${'TYPE'.padEnd(28)}${'SENT'.padStart(10)}${'DELIVERED'.padStart(11)}${'DROPPED'.padStart(9)}${'DUPLICATED'.padStart(12)}`, ...lines].join('\n');
}

Before(function (this: PhantomWorld, parameters: ITestCaseHookParameter) {
  const override = process.env.PHANTOM_SEED;
  this.scenarioName = parameters.pickle.name;
  if (override !== undefined && override !== '') {
    this.seed = parseSeed(override);
    this.seedSource = 'PHANTOM_SEED';
  } else {
    this.seed = seedFromText(parameters.pickle.name);
  }
  const line = pickleLine(parameters);
  this.replayCommand = `npx cucumber-js ${parameters.pickle.uri}${line ? `:${line}` : ''}`;
});

BeforeStep(function (this: PhantomWorld, { pickleStep }) {
  this.currentStep = pickleStep.text;
});

After(function (this: PhantomWorld, { result }: ITestCaseHookParameter) {
  try {
    const replay = `PHANTOM_SEED=${this.seed} ${this.replayCommand}`;
    const stepsPassed = result?.status === Status.PASSED;
    let failure: Error | undefined;
    if (stepsPassed) {
      try {
        this.runFinalChecks();
        const unchecked = this.pendingError;
        if (unchecked) throw new Error(`A step caught this error but no later step checked it: ${unchecked.message}`);
        settleClientOperations(this);
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
    }
    if (this.hasSimulation) {
      this.attach(`trace digest: ${this.sim.trace.digestHex()}`, 'text/plain');
      this.attachText('network traffic by message type', trafficTable(this.sim.network.typeCounters));
    }
    const failed = failure !== undefined || (result !== undefined && result.status !== Status.PASSED && result.status !== Status.SKIPPED);
    if (failed) {
      this.attach(`seed: ${this.seed} (from ${this.seedSource})\nreplay: ${replay}`, 'text/plain');
      if (this.hasSimulation) {
        this.attachText(`last trace events (of ${this.sim.trace.eventCount}, virtual time ${this.sim.nowMs} ms)`, this.sim.trace.formatRecent(200));
      }
    }
    if (failure) throw new Error(`${failure.message}\nreplay: ${replay}`);
  } finally {
    this.dispose();
  }
  const leaks = result?.status === Status.PASSED ? cleanupProblems(this) : [];
  if (leaks.length > 0) throw new Error(`Clean-up after the scenario failed:\n${leaks.map((leak) => `- ${leak}`).join('\n')}\nreplay: PHANTOM_SEED=${this.seed} ${this.replayCommand}`);
});

// Every cluster scenario shows the final status, the membership timeline and the state of
// every Raft group in the report. Defined after the hook above, so it runs before it (After
// hooks run in reverse order), while the simulation still exists.
After(function (this: PhantomWorld) {
  if (!this.hasCluster || !this.hasSimulation) return;
  this.attachText('cluster status', this.cluster.statusTable());
  this.attachSvg(this.cluster.timelineSvg(`Membership over virtual time: ${this.scenarioName}`));
  const groups = raftGroupsReport(this.cluster.database);
  if (groups) this.attachText(`Raft groups at ${this.sim.nowMs.toFixed(1)} ms`, groups);
  // Recorded, not thrown (see ShardedDatabase.recordSafetyViolations): shown even when another step failed first.
  const violations = this.cluster.database.safetyViolations;
  if (violations.length > 0) this.attachText('consensus safety violations', violations.map((violation) => violation.message).join('\n'));
});

/** Clean-up watch (support/cleanup.ts): the sandbox, and the key-value clients' open operations. */
Before(function (this: PhantomWorld) {
  prepareCleanup(this);
});
