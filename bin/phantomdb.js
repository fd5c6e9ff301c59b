#!/usr/bin/env node
'use strict';
// The PhantomDB command line. It runs the compiled JavaScript in dist/ (built by the
// `prepare` script, which `npm ci` and `npm install` run): starting takes tens of
// milliseconds instead of over a second of TypeScript compilation. When dist/ is missing
// or older than a source file (an edit since the last build), it compiles the sources on
// the fly instead (transpile only; type checking is `npm run typecheck`), so what runs is
// always what is checked out.
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const compiled = path.join(root, 'dist', 'src', 'cli', 'main.js');

/** Newest modification time of any file under a folder (a few ms for src/). Names are
 *  joined by hand: path.join's normalising cost more than the stat calls themselves. */
function newestChange(directory) {
  let newest = 0;
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const full = `${directory}${path.sep}${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestChange(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function builtAndFresh() {
  try {
    return fs.statSync(compiled).mtimeMs >= newestChange(path.join(root, 'src'));
  } catch {
    return false;
  }
}

function loadMain() {
  if (process.env.PHANTOMDB_FROM_SOURCE !== '1' && builtAndFresh()) return require(compiled).main;
  require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.json') });
  return require('../src/cli/main.ts').main;
}

loadMain()(process.argv.slice(2)).then((exitCode) => {
  process.exitCode = exitCode;
});
