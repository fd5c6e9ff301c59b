'use strict';
/*
 * Whether the JavaScript that `npm run build` wrote to dist/ is at least as new as every
 * TypeScript source: what runs compiled (the unit tests with --compiled, the scenarios with
 * PHANTOMDB_COMPILED=1) must never be older than what is checked out.
 */
const fs = require('node:fs');
const path = require('node:path');

const SOURCE_FOLDERS = ['src', 'test', 'support', 'step-definitions', 'scripts', 'bench'];

/** Newest modification time of the TypeScript files under the given folders. */
function newestSource(directories) {
  let newest = 0;
  const visit = (directory) => {
    for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
    }
  };
  for (const directory of directories) if (fs.existsSync(directory)) visit(directory);
  return newest;
}

/** TypeScript files under a folder of the checkout (relative paths). */
function typeScriptFiles(root, folder) {
  const files = [];
  const visit = (relative) => {
    for (const entry of fs.readdirSync(path.join(root, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) visit(child);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(child);
    }
  };
  if (fs.existsSync(path.join(root, folder))) visit(folder);
  return files;
}

/**
 * Throws unless every TypeScript file under `folders` has its JavaScript in dist/ and none
 * of those is older than any source (leftovers of deleted sources in dist/ do not count).
 * `root` is the checkout.
 */
function assertDistFresh(root, folders) {
  let oldestOutput = Infinity;
  for (const file of folders.flatMap((folder) => typeScriptFiles(root, folder))) {
    const output = path.join(root, 'dist', file.replace(/\.ts$/, '.js'));
    oldestOutput = Math.min(oldestOutput, fs.existsSync(output) ? fs.statSync(output).mtimeMs : 0);
  }
  if (oldestOutput < newestSource(SOURCE_FOLDERS.map((folder) => path.join(root, folder)))) {
    throw new Error('dist/ is missing or older than the sources: run `npm run build` first (or run without PHANTOMDB_COMPILED=1)');
  }
}

module.exports = { SOURCE_FOLDERS, newestSource, assertDistFresh };
