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

function escapeHtml(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The simple theme has no header: this one names the run, its metadata and its totals. */
function summaryHeader(metadata, counts) {
  const rows = Object.entries(metadata).map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`).join('');
  return (
    '<div class="phantom-summary"><h1>PhantomDB acceptance suite</h1>' +
    `<p class="phantom-totals">${counts.passed + counts.failed} scenarios: ${counts.passed} passed, ${counts.failed} failed</p>` +
    `<table>${rows}</table></div>`
  );
}

function seedPolicy() {
  const override = process.env.PHANTOM_SEED;
  return override ? `PHANTOM_SEED=${override} (every scenario)` : 'hash of each scenario name (PHANTOM_SEED overrides)';
}

/** Writes `output` (HTML) from the cucumber JSON file `jsonFile`. */
function writeHtmlReport(jsonFile, output) {
  const reporter = require('cucumber-html-reporter');
  fs.mkdirSync(path.dirname(output), { recursive: true });
  const metadata = {
    'Seed policy': seedPolicy(),
    'Node.js': process.version,
    Platform: `${process.platform} ${process.arch}`,
    'Git commit': gitCommit(),
    Profile: process.env.CUCUMBER_PROFILE || 'default',
  };
  reporter.generate({
    theme: 'simple',
    jsonFile,
    output,
    reportSuiteAsScenarios: true,
    scenarioTimestamp: false,
    launchReport: false,
    name: 'PhantomDB acceptance suite',
    brandTitle: 'PhantomDB',
    metadata,
    failedSummaryReport: true,
  });
  const counts = countScenarios(JSON.parse(fs.readFileSync(jsonFile, 'utf8')));
  const page = readableAttachments(fs.readFileSync(output, 'utf8')).replace('<body>', `<body>${summaryHeader(metadata, counts)}`);
  fs.writeFileSync(output, page);
}

/*
 * The simple theme shows text attachments as flowing text (our status tables need their
 * line breaks and columns) and offers pictures other than PNG/GIF only as downloads. Both
 * are mended in the written page: text keeps its layout, SVG pictures show inline.
 */
const ATTACHMENT_STYLE = '<style>.step .error { white-space: pre-wrap; font-family: monospace; font-size: 12px; }' +
  ' .phantom-summary { font-family: sans-serif; margin: 12px; } .phantom-summary th { text-align: left; padding-right: 16px; }' +
  ' .step img.attached-svg { display: block; max-width: 100%; margin: 6px 0; background: #fff; }</style>';

function readableAttachments(html) {
  const svgLink = /<a href="data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)" download="file\.svg\+xml">download file<\/a>/g;
  return html
    .replace('</head>', `${ATTACHMENT_STYLE}</head>`)
    .replace(/(<div class="error">)\s*<br>\s*/g, '$1')
    .replace(/\s+(<\/div>)/g, '$1')
    .replace(svgLink, (_match, data) => `<img class="attached-svg" alt="attached picture" src="data:image/svg+xml;base64,${data}">`);
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
