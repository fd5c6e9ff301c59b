#!/usr/bin/env node
/*
 * Merges the cucumber JSON reports of the CI shards (`--shard i/n`, one JSON file per
 * machine) into one report: OUT/cucumber.json, the HTML report OUT/cucumber-report.html
 * (cucumber-html-reporter, as `npm run report`) and one JUnit file OUT/junit.xml.
 *
 *   node scripts/merge-shard-reports.js SHARD_DIR OUT_DIR
 *
 * Features split across shards are joined (their scenarios in shard order). The last line
 * printed is "N passed, N failed". Portable: Node only.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Joins the features of several cucumber JSON reports, by feature uri. */
function mergeReports(reports) {
  const byUri = new Map();
  for (const features of reports) {
    for (const feature of features) {
      const known = byUri.get(feature.uri);
      if (known) known.elements = [...(known.elements ?? []), ...(feature.elements ?? [])];
      else byUri.set(feature.uri, { ...feature, elements: [...(feature.elements ?? [])] });
    }
  }
  return [...byUri.values()].sort((a, b) => a.uri.localeCompare(b.uri));
}

const escapeXml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A scenario failed when any of its steps or hooks did (not passed and not skipped). */
function scenarioStatus(element) {
  const steps = [...(element.before ?? []), ...(element.steps ?? []), ...(element.after ?? [])];
  const failed = steps.find((step) => step.result && !['passed', 'skipped'].includes(step.result.status));
  return failed ? { failed: true, message: failed.result.error_message ?? failed.result.status } : { failed: false };
}

function junit(features) {
  const suites = features.map((feature) => {
    const cases = (feature.elements ?? []).filter((element) => element.type !== 'background').map((element) => {
      const seconds = [...(element.steps ?? [])].reduce((sum, step) => sum + (step.result?.duration ?? 0), 0) / 1e9;
      const status = scenarioStatus(element);
      const failure = status.failed ? `<failure message="${escapeXml(status.message.split('\n')[0])}">${escapeXml(status.message)}</failure>` : '';
      return `    <testcase classname="${escapeXml(feature.name)}" name="${escapeXml(element.name)}" time="${seconds.toFixed(3)}">${failure}</testcase>`;
    });
    const failures = (feature.elements ?? []).filter((element) => element.type !== 'background' && scenarioStatus(element).failed).length;
    return `  <testsuite name="${escapeXml(feature.name)}" tests="${cases.length}" failures="${failures}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="PhantomDB soak">\n${suites.join('\n')}\n</testsuites>\n`;
}

function main(argv) {
  const [shardDir, out] = argv;
  if (!shardDir || !out) {
    console.error('usage: node scripts/merge-shard-reports.js SHARD_DIR OUT_DIR');
    return 2;
  }
  const files = fs.readdirSync(shardDir, { recursive: true }).filter((file) => String(file).endsWith('.json')).sort();
  if (files.length === 0) {
    console.error(`no shard reports (*.json) under ${shardDir}`);
    return 1;
  }
  const merged = mergeReports(files.map((file) => JSON.parse(fs.readFileSync(path.join(shardDir, String(file)), 'utf8'))));
  fs.mkdirSync(out, { recursive: true });
  const jsonFile = path.join(out, 'cucumber.json');
  fs.writeFileSync(jsonFile, JSON.stringify(merged));
  fs.writeFileSync(path.join(out, 'junit.xml'), junit(merged));
  const { writeHtmlReport, countScenarios } = require('../support/html-report.js');
  writeHtmlReport(jsonFile, path.join(out, 'cucumber-report.html'));
  const { passed, failed } = countScenarios(merged);
  console.log(`merged ${files.length} shard reports into ${out}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
module.exports = { mergeReports, junit };
