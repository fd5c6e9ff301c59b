#!/usr/bin/env node
/*
 * `npm test`: the same checks as ever, in two stages whose parts run side by side, so that
 * both cores work while the single-threaded ones (the type check, the unit-test process) run.
 *
 *   stage 1: build (tsc: type check + dist/)   |  layers, guard, then PostgreSQL's initial data
 *                                               |  directory for the SQL oracle
 *   stage 2: steps:check:compiled, then         |  acceptance, compiled (PHANTOMDB_COMPILED=1),
 *            unit -- --compiled                 |  default profile, 2 workers
 *
 * Stage 2 needs the build's dist/; it starts only when every part of stage 1 passed (as the
 * old `a && b && ...` chain stopped at the first failure). Every part runs its package.json
 * script; the exit code is the first failure's. The acceptance suite's output streams; the
 * other parts' output is printed whole when they end, so the logs do not interleave.
 * README, "How fast the tests are", says why and what each choice saves.
 */
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const scripts = require(path.join(root, 'package.json')).scripts;
const running = new Set();

/** One part: a package.json script (with extra arguments) or a command, run through the shell as npm would. */
function part(label, command, { stream = false, env = {} } = {}) {
  return () =>
    new Promise((resolve) => {
      const started = Date.now();
      const child = spawn(command, {
        cwd: root,
        shell: true,
        detached: true, // its own process group, so that an interrupted run can stop all of it
        env: { ...process.env, ...env, PATH: `${path.join(root, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running.add(child);
      let output = '';
      const take = (target) => (chunk) => (stream ? target.write(chunk) : (output += chunk));
      child.stdout.on('data', take(process.stdout));
      child.stderr.on('data', take(process.stderr));
      if (stream) process.stdout.write(`\n> ${label}: ${command}\n`);
      child.on('close', (code, signal) => {
        running.delete(child);
        const status = code ?? 1;
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        if (!stream) process.stdout.write(`\n> ${label}: ${command}\n${output}`);
        process.stdout.write(`\n> ${label}: ${status === 0 ? 'passed' : `FAILED (exit ${status}${signal ? `, ${signal}` : ''})`} in ${seconds} s\n`);
        resolve(status);
      });
    });
}

const script = (name, extra = '') => `${scripts[name]}${extra}`;
/** Parts of one lane run one after another; it stops at its first failure. */
const lane = (...parts) => async () => {
  for (const run of parts) {
    const status = await run();
    if (status !== 0) return status;
  }
  return 0;
};
/** Lanes run side by side; the stage's status is the first failing lane's. */
const stage = async (...lanes) => (await Promise.all(lanes.map((run) => run()))).find((status) => status !== 0) ?? 0;

async function main() {
  const first = await stage(
    part('build', script('build')),
    lane(
      part('layers', script('layers')),
      part('guard', script('guard')),
      part('PostgreSQL initial data directory', "node --require ts-node/register/transpile-only -e \"require('./support/postgres-snapshot').ensurePostgresSnapshot()\""),
    ),
  );
  if (first !== 0) return first;
  return stage(
    lane(
      // The glossary check from the build's JavaScript (with its source maps): the same check
      // as `npm run steps:check`, without compiling every step file through ts-node first.
      part('steps:check', script('steps:check:compiled')),
      part('unit', script('unit', ' --compiled'), { env: { PHANTOMDB_POSTGRES_SNAPSHOT: '1' } }),
    ),
    part('acceptance', script('acceptance'), { stream: true, env: { PHANTOMDB_COMPILED: '1', PHANTOMDB_POSTGRES_SNAPSHOT: '1' } }),
  );
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    }
    process.exit(1);
  });
}

main().then((status) => {
  process.exitCode = status;
});
