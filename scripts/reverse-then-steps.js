#!/usr/bin/env node
'use strict';
// Writes copies of feature files with each contiguous block of Then-steps (a "Then" and the
// "And"/"But" steps after it) in reverse order. The suite's rule: a Then-step that reads the
// system waits for what it needs within a stated bound, and never depends on which Then-step
// ran first, so every scenario must pass this way too. Line numbers of scenarios do not move.
//
//   node scripts/reverse-then-steps.js features /tmp/then-reversed
//   npx cucumber-js /tmp/then-reversed
//
// test/acceptance/then-order.test.ts runs a few reversed scenarios on every `npm test`; the
// whole suite reversed takes as long as the suite (run it by hand after changing Then-steps).
const fs = require('node:fs');
const path = require('node:path');

const KEYWORD = /^(\s*)(Given|When|Then|And|But|\*)\b\s*/;
const RESETS = /^\s*(Scenario|Background|Examples|Rule|Feature|@)/;

/** The steps and other lines of a feature, each step with the table or doc string after it. */
function items(lines) {
  const result = [];
  for (let index = 0; index < lines.length; ) {
    const match = KEYWORD.exec(lines[index]);
    if (!match) {
      result.push({ kind: 'other', lines: [lines[index++]] });
      continue;
    }
    const step = { kind: 'step', keyword: match[2], indent: match[1], text: lines[index].slice(match[0].length), lines: [] };
    index++;
    for (;;) {
      const trimmed = (lines[index] ?? '').trim();
      if (index >= lines.length || KEYWORD.test(lines[index])) break;
      if (trimmed.startsWith('|')) {
        step.lines.push(lines[index++]);
        continue;
      }
      const fence = ['"""', '```'].find((candidate) => trimmed.startsWith(candidate));
      if (fence === undefined) break;
      step.lines.push(lines[index++]);
      while (index < lines.length && !lines[index].trim().startsWith(fence)) step.lines.push(lines[index++]);
      if (index < lines.length) step.lines.push(lines[index++]);
    }
    result.push(step);
  }
  return result;
}

/** The feature's text with every block of consecutive Then-steps reversed. */
function reverseThenSteps(text) {
  const output = [];
  let block = [];
  let previous;
  const flush = () => {
    if (block.length === 0) return;
    const indent = block[0].indent;
    [...block].reverse().forEach((step, position) => output.push(`${indent}${position === 0 ? 'Then' : 'And'} ${step.text}`, ...step.lines));
    block = [];
  };
  for (const item of items(text.split('\n'))) {
    if (item.kind === 'step') {
      const continues = item.keyword === 'Then' || (['And', 'But', '*'].includes(item.keyword) && previous === 'then');
      if (continues) {
        block.push(item);
        previous = 'then';
        continue;
      }
      flush();
      if (item.keyword === 'Given') previous = 'given';
      else if (item.keyword === 'When') previous = 'when';
      output.push(`${item.indent}${item.keyword} ${item.text}`, ...item.lines);
    } else {
      flush();
      if (RESETS.test(item.lines[0])) previous = undefined;
      output.push(...item.lines);
    }
  }
  flush();
  return output.join('\n');
}

function reverseTree(source, destination) {
  for (const entry of fs.readdirSync(source, { withFileTypes: true })) {
    const from = path.join(source, entry.name);
    const to = path.join(destination, entry.name);
    if (entry.isDirectory()) reverseTree(from, to);
    else if (entry.name.endsWith('.feature')) {
      fs.mkdirSync(destination, { recursive: true });
      fs.writeFileSync(to, reverseThenSteps(fs.readFileSync(from, 'utf8')));
    }
  }
}

module.exports = { reverseThenSteps };

if (require.main === module) {
  const [source, destination] = process.argv.slice(2);
  if (!source || !destination) {
    console.error('usage: node scripts/reverse-then-steps.js <features folder> <output folder>');
    process.exit(2);
  }
  reverseTree(source, destination);
}
