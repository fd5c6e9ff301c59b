'use strict';
/*
 * Builds the cucumber-html-reporter page from a cucumber JSON report. Plain JavaScript so
 * that the report formatter can load it without ts-node. The "simple" theme is the only
 * one that does not pull CSS/JS from a CDN, and the reports must open offline.
 */
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function seedPolicy() {
  const override = process.env.PHANTOM_SEED;
  return override ? `PHANTOM_SEED=${override} (every scenario)` : 'hash of each scenario name (PHANTOM_SEED overrides)';
}

/** Writes `output` (HTML) from the cucumber JSON file `jsonFile`. */
function writeHtmlReport(jsonFile, output) {
  const reporter = require('cucumber-html-reporter');
  fs.mkdirSync(path.dirname(output), { recursive: true });
  reporter.generate({
    theme: 'simple',
    jsonFile,
    output,
    reportSuiteAsScenarios: true,
    scenarioTimestamp: false,
    launchReport: false,
    name: 'PhantomDB acceptance suite',
    brandTitle: 'PhantomDB',
    metadata: {
      'Seed policy': seedPolicy(),
      'Node.js': process.version,
      Platform: `${process.platform} ${process.arch}`,
      'Git commit': gitCommit(),
      Profile: process.env.CUCUMBER_PROFILE || 'default',
    },
    failedSummaryReport: true,
  });
}

/** Counts scenarios in a cucumber JSON report: a scenario passed when all its steps did. */
function countScenarios(features) {
  let passed = 0;
  let failed = 0;
  for (const feature of features) {
    for (const element of feature.elements || []) {
      if (element.type === 'background') continue;
      const ok = (element.steps || []).every((step) => step.result && (step.result.status === 'passed' || step.result.status === 'skipped'));
      const skipped = (element.steps || []).every((step) => step.result && step.result.status === 'skipped');
      if (skipped) continue;
      if (ok) passed++;
      else failed++;
    }
  }
  return { passed, failed };
}

module.exports = { writeHtmlReport, countScenarios };
