import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openInvocations } from '../../support/cleanup-history';
import { type CucumberRun, runCucumber } from './cucumber-run';

/**
 * Clean-up after every scenario (issue 12, §6): a scenario that leaves a stub in place,
 * an event scheduled, or a client operation unresolved fails, naming the leak. Each probe
 * below plants one leak through a scratch step file (loaded next to the real steps).
 */

const LEAKY_STEPS = `
const { When } = require('@cucumber/cucumber');
const sinon = require('sinon');
const { registerOpenOperations } = require('../../support/cleanup');
const outside = { answer: () => 42 };
const sandboxed = { answer: () => 42 };
When('a stub is made outside the sandbox', function () { sinon.stub(outside, 'answer').returns(0); });
When('a sandbox stub survives the restore', function () {
  this.sandbox.stub(sandboxed, 'answer').returns(1);
  const fake = sandboxed.answer;
  this.sandbox.restore = () => { sandboxed.answer = fake; };
});
When('the simulation is never disposed', function () {
  this.sim.scheduler.schedule(1000, () => undefined);
  this.sim.dispose = () => undefined;
});
When('a client forgets an operation', function () {
  this.sim.runFor(1);
  registerOpenOperations(this, 'probe', () => ['client-9: write x 1 never answered']);
});
When('nothing leaks', function () { this.sim.runFor(10); });
`;

/** One scenario per leak, all in one cucumber process (a process per probe cost a start-up each). */
const PROBES = ['nothing leaks', 'a stub is made outside the sandbox', 'a sandbox stub survives the restore', 'the simulation is never disposed', 'a client forgets an operation'];

let combined: Promise<CucumberRun> | undefined;

/** The outcome of the scenario that planted `step`: whether it passed, and its error messages. */
async function probe(step: string): Promise<{ passed: boolean; output: string }> {
  combined ??= runCucumber(['scratch:probe.feature', '--require', 'scratch:leaky.steps.js'], {}, {
    'probe.feature': `Feature: clean-up probe\n${PROBES.map((planted) => `  Scenario: ${planted}\n    When ${planted}\n`).join('')}`,
    'leaky.steps.js': LEAKY_STEPS,
  });
  const run = await combined;
  const scenario = run.features.flatMap((feature) => feature.elements ?? []).find((element) => element.name === step);
  assert.ok(scenario, `the probe run has no scenario "${step}":\n${run.output}`);
  const results = [...(scenario.before ?? []), ...(scenario.steps ?? []), ...(scenario.after ?? [])].map((item) => item.result);
  const output = results.map((result) => result.error_message ?? '').join('\n');
  return { passed: results.every((result) => result.status === 'passed'), output };
}

describe('Clean-up checks after every scenario', () => {
  it('a scenario that leaks nothing passes', async () => {
    const run = await probe('nothing leaks');
    assert.equal(run.passed, true, run.output);
  });

  it('a fake made outside the sandbox fails the scenario', async () => {
    const run = await probe('a stub is made outside the sandbox');
    assert.equal(run.passed, false);
    assert.match(run.output, /Clean-up after the scenario failed:\s+- 1 fake\(s\) created outside the scenario's sandbox \(sinon.stub\/spy\) were never restored/);
  });

  it('a sandbox stub that survives the restore fails the scenario, naming the method', async () => {
    const run = await probe('a sandbox stub survives the restore');
    assert.equal(run.passed, false);
    assert.match(run.output, /the sandbox did not restore answer: it is still a fake after the scenario/);
  });

  it('a simulation never disposed fails the scenario, counting the events left', async () => {
    const run = await probe('the simulation is never disposed');
    assert.equal(run.passed, false);
    assert.match(run.output, /- the simulation was not disposed\s+- 1 event\(s\) still scheduled after the simulation was disposed/);
  });

  it('a client operation never resolved fails the scenario, naming it', async () => {
    const run = await probe('a client forgets an operation');
    assert.equal(run.passed, false);
    assert.match(run.output, /1 client operation\(s\) still unresolved 30 s of virtual time after the last step[^\n]*\s+- probe client-9: write x 1 never answered/);
  });

  it('lists the invocations of a history that have no completion', async () => {
    const open = openInvocations([
      { process: 0, type: 'invoke', f: 'write', value: 'a' },
      { process: 0, type: 'ok', f: 'write', value: 'a' },
      { process: 1, type: 'invoke', f: 'read', value: null },
      { process: 2, type: 'invoke', f: 'write', value: 'b' },
      { process: 2, type: 'info', f: 'write', value: 'b' },
    ] as never);
    assert.deepEqual(open, ['1: read null']);
  });
});
