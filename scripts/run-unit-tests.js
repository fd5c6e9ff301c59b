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
 * Arguments: file names to run only those; `--isolate` for a process per file (the old
 * way, to rule out state leaking from one file into another); other `--` options (e.g.
 * `--test-name-pattern=quorum`) go to Node.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function* testFiles(directory) {
  for (const entry of fs.readdirSync(directory, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) yield* testFiles(full);
    else if (entry.name.endsWith('.test.ts')) yield full;
  }
}

const args = process.argv.slice(2);
const isolate = args.includes('--isolate');
const nodeOptions = args.filter((arg) => arg.startsWith('--') && arg !== '--isolate' && arg !== '--in-process');
const requested = args.filter((arg) => !arg.startsWith('--'));
const files = requested.length > 0 ? requested : [...testFiles('test')];
if (files.length === 0) {
  console.error('no unit tests found under test/');
  process.exit(1);
}

if (args.includes('--in-process')) {
  // The child below: load every file; node:test runs what they register once loading ends.
  for (const file of files) require(path.resolve(file));
} else {
  const runner = isolate ? ['--test', ...files] : [__filename, '--in-process', ...files];
  const result = spawnSync(process.execPath, ['--require', 'ts-node/register/transpile-only', ...nodeOptions, ...runner], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
