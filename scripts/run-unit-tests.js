#!/usr/bin/env node
/*
 * Runs every test/**\/*.test.ts with Node's test runner through ts-node (transpile-only).
 * Node 20's `--test DIR` only looks for .js files, so the list is built here.
 * Extra arguments are passed on (e.g. a file name to run one file).
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

const requested = process.argv.slice(2);
const files = requested.length > 0 ? requested : [...testFiles('test')];
if (files.length === 0) {
  console.error('no unit tests found under test/');
  process.exit(1);
}
// Unit tests also write JUnit (reports/unit-junit.xml) for CI; the console keeps Node's
// usual reporter (spec on a terminal, TAP otherwise).
fs.mkdirSync('reports', { recursive: true });
const reporters = ['--test-reporter', process.stdout.isTTY ? 'spec' : 'tap', '--test-reporter-destination', 'stdout', '--test-reporter', 'junit', '--test-reporter-destination', path.join('reports', 'unit-junit.xml')];
const result = spawnSync(process.execPath, ['--require', 'ts-node/register/transpile-only', ...reporters, '--test', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
