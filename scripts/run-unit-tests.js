#!/usr/bin/env node
/*
 * Runs every test/**\/*.test.ts with Node's test runner, all files in this one process,
 * compiled on the fly by ts-node (transpile only; `npm run typecheck` checks types).
 *
 * Why one process: `node --test` starts a process per file, and each one compiled the
 * shared sources again through ts-node: about 1.5 s per file, ~70 s for the suite on a
 * 2-core machine, more than the tests themselves. The README ("How fast the tests are")
 * gives the measurements of the options and why this one was picked.
 *
 * `--compiled` runs the JavaScript that `npm run build` wrote to dist/ instead (what
 * `npm test` does, right after that build): no compiling at all, about 5 s of CPU less. It
 * refuses to run when dist/ is older than a source, so it never tests stale code.
 *
 * Arguments: file names to run only those; `--isolate` for a process per file (the old
 * way, to rule out state leaking from one file into another); other `--` options (e.g.
 * `--test-name-pattern=quorum`) go to Node.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { SOURCE_FOLDERS, newestSource } = require('./dist-freshness');

function* testFiles(directory) {
  for (const entry of fs.readdirSync(directory, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) yield* testFiles(full);
    else if (entry.name.endsWith('.test.ts')) yield full;
  }
}

/** dist/test/x.test.js for test/x.test.ts; exits when the build is missing or stale. */
function compiledFiles(files) {
  const oldestOutput = Math.min(...files.map((file) => {
    const output = path.join('dist', file.replace(/\.ts$/, '.js'));
    return fs.existsSync(output) ? fs.statSync(output).mtimeMs : 0;
  }));
  if (oldestOutput < newestSource(SOURCE_FOLDERS)) {
    console.error('dist/ is missing or older than the sources: run `npm run build` first (or run without --compiled)');
    process.exit(1);
  }
  return files.map((file) => path.join('dist', file.replace(/\.ts$/, '.js')));
}

const flags = ['--isolate', '--in-process', '--compiled'];
const args = process.argv.slice(2);
const isolate = args.includes('--isolate');
const compiled = args.includes('--compiled');
const nodeOptions = args.filter((arg) => arg.startsWith('--') && !flags.includes(arg));
const requested = args.filter((arg) => !arg.startsWith('--'));
const sources = requested.length > 0 ? requested : [...testFiles('test')];
if (sources.length === 0) {
  console.error('no unit tests found under test/');
  process.exit(1);
}
const files = compiled && !args.includes('--in-process') ? compiledFiles(sources) : sources;

if (args.includes('--in-process')) {
  // The child below: load every file; node:test runs what they register once loading ends.
  for (const file of files) require(path.resolve(file));
} else {
  // Unit tests also write JUnit (reports/unit-junit.xml) for CI; the console keeps Node's
  // usual reporter (spec on a terminal, TAP otherwise).
  fs.mkdirSync('reports', { recursive: true });
  const reporters = ['--test-reporter', process.stdout.isTTY ? 'spec' : 'tap', '--test-reporter-destination', 'stdout', '--test-reporter', 'junit', '--test-reporter-destination', path.join('reports', 'unit-junit.xml')];
  const runner = isolate ? ['--test', ...files] : [__filename, '--in-process', ...files];
  const compiler = compiled ? [] : ['--require', 'ts-node/register/transpile-only'];
  const result = spawnSync(process.execPath, [...compiler, ...reporters, ...nodeOptions, ...runner], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
