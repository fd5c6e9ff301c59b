#!/usr/bin/env node
/*
 * Determinism guard: nothing under src/ (outside the CLI edge, src/cli/) may read real
 * time, real randomness or real timers. Time and randomness come from the simulator.
 * Comments are ignored so that documentation may name the forbidden calls.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', 'src');
const allowed = [path.join(root, 'cli') + path.sep];
const forbidden = [
  { pattern: /\bMath\.random\b/, name: 'Math.random' },
  { pattern: /\bDate\b/, name: 'Date' },
  { pattern: /\bsetTimeout\b/, name: 'setTimeout' },
  { pattern: /\bsetInterval\b/, name: 'setInterval' },
  { pattern: /\bsetImmediate\b/, name: 'setImmediate' },
  { pattern: /\bperformance\.now\b/, name: 'performance.now' },
  { pattern: /\bprocess\.hrtime\b/, name: 'process.hrtime' },
  { pattern: /\bqueueMicrotask\b/, name: 'queueMicrotask' },
];

function* sourceFiles(directory) {
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (/\.(ts|js|mts|cts)$/.test(entry.name)) yield full;
  }
}

/** Blanks out comments but keeps line numbers. */
function stripComments(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const findings = [];
if (!fs.existsSync(root)) {
  console.log('determinism guard: no src/ folder, nothing to check');
  process.exit(0);
}
let checked = 0;
for (const file of sourceFiles(root)) {
  if (allowed.some((prefix) => file.startsWith(prefix))) continue;
  checked++;
  const lines = stripComments(fs.readFileSync(file, 'utf8')).split('\n');
  lines.forEach((line, index) => {
    for (const { pattern, name } of forbidden) {
      if (pattern.test(line)) findings.push(`${path.relative(process.cwd(), file)}:${index + 1}: uses ${name}: ${line.trim()}`);
    }
  });
}

if (findings.length > 0) {
  console.error('Determinism guard failed: src/ must take time and randomness from the simulator.');
  for (const finding of findings) console.error('  ' + finding);
  process.exit(1);
}
console.log(`determinism guard: ${checked} files under src/ use no real time, randomness or timers`);
