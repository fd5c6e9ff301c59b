// Cucumber profiles. Every profile writes the same reports under reports/.
// See README.md ("Profiles and tags") for what each one is for.
const common = {
  requireModule: ['ts-node/register/transpile-only'],
  require: ['support/**/*.ts', 'step-definitions/**/*.ts'],
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
  default: { ...common, tags: 'not @slow and not @soak and not @load and not @wip' },
  ci: { ...common, tags: 'not @soak and not @load and not @wip' },
  smoke: { ...common, tags: '@smoke and not @wip' },
  soak: { ...common, tags: '@soak and not @wip', parallel: 2 },
  // The long load runs and stress ramps (features/load/); the short load runs are in default.
  load: { ...common, tags: '@load and not @wip' },
  // The replication features against regions of 3 nodes each (each region a sharded Raft store, 2 shards).
  'replicated-regions': { ...common, tags: '@replication and not @soak and not @wip', worldParameters: { geoRegions: { nodes: 3, shards: 2 } } },
  wip: { ...common, tags: '@wip', format: ['progress', 'html:reports/wip.html', './support/undefined-steps-formatter.js:reports/wip-undefined-steps.txt'] },
};
