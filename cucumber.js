// Cucumber profiles. Every profile writes the same reports under reports/.
// See README.md ("Profiles and tags") for what each one is for.
// PHANTOMDB_COMPILED=1 (what `npm test` sets, right after its build) runs the same steps from
// the JavaScript in dist/ instead of compiling them through ts-node in the coordinator and in
// every worker (README, "How fast the tests are"); it refuses a dist/ older than a source.
const compiled = process.env.PHANTOMDB_COMPILED === '1';
if (compiled) require('./scripts/dist-freshness').assertDistFresh(__dirname, ['src', 'support', 'step-definitions']);
const common = {
  requireModule: compiled ? [] : ['ts-node/register/transpile-only'],
  require: compiled ? ['dist/support/**/*.js', 'dist/step-definitions/**/*.js'] : ['support/**/*.ts', 'step-definitions/**/*.ts'],
  format: [
    'progress',
    './support/report-formatter.js:reports/cucumber.json',
    'html:reports/cucumber.html',
    'junit:reports/junit.xml',
    './support/undefined-steps-formatter.js:reports/undefined-steps.txt',
  ],
  formatOptions: { snippetInterface: 'synchronous', junit: { suiteName: 'PhantomDB acceptance' } },
};

module.exports = {
  // Two workers: each scenario runs alone in a fresh World on its own seed, so the order and
  // the worker do not change a run (every scenario's trace digest stays the same); the
  // formatters run in the coordinator and see every scenario.
  default: { ...common, tags: 'not @slow and not @soak and not @load and not @wip', parallel: 2 },
  ci: { ...common, tags: 'not @soak and not @load and not @wip' },
  smoke: { ...common, tags: '@smoke and not @wip' },
  soak: { ...common, tags: '@soak and not @wip', parallel: 2 },
  // The long load runs and stress ramps (features/load/); the short load runs are in default.
  load: { ...common, tags: '@load and not @wip' },
  // The replication features against regions of 3 nodes each (each region a sharded Raft store, 2 shards).
  'replicated-regions': { ...common, tags: '@replication and not @soak and not @wip', worldParameters: { geoRegions: { nodes: 3, shards: 2 } } },
  wip: { ...common, tags: '@wip', format: ['progress', 'html:reports/wip.html', './support/undefined-steps-formatter.js:reports/wip-undefined-steps.txt'] },
};
