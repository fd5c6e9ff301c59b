/**
 * The layering of src/, checked by `npm run layers` (part of `npm test`).
 * See docs/ARCHITECTURE.md ("Layers") for the picture and how to regenerate the graph.
 *
 * Layers, top to bottom:
 *   facades       src/api/ (build simulations, wire services to nodes)
 *   components    protocol cores (below) and the checkers, load, history, util
 *   runtime       src/runtime/ (node runtime, Raft host) and src/sim/ (the simulator)
 *   ports         src/runtime/ports.ts (interfaces only)
 *
 * A protocol core may import another core or the ports; it never imports the simulator or
 * a runtime implementation except as a type (`import type` of an interface, erased at
 * compile time, e.g. `NodeService`, `RaftGroupHost`). Named exceptions are listed below,
 * each with the reason and what removes it.
 */

const cores = '^src/(raft|cluster|kv|txn|georep|sharding|rebalance|query|scaling|placement|replica)/';

/** Facades that build simulations all live in src/api/ (issue 11 §5); no component is one. */
const facadesAmongComponents = [];

/**
 * Named exceptions to `state-machine-modules-independent`: the shard state machine is a
 * composition of modules (src/replica/shard-state-machine.ts). src/kv/server.ts hosts it
 * on a node (to remove: the facade hands the server a machine factory and the server sees
 * the machine through an interface of its own); src/kv/state-machine.ts re-exports the
 * composition under its old names for tests and unmerged branches (to remove: once those
 * import src/replica/ or the modules).
 */
const kvModulesThatSeeTheComposition = ['^src/kv/server[.]ts$', '^src/kv/state-machine[.]ts$'];

/** The modules of a replicated state machine (src/replica/module.ts): one per file, named `<what>-module.ts`. */
const stateMachineModule = '^src/([^/]+)/[^/]+-module[.]ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules form a DAG: a cycle means two modules are one and should be merged or split.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'core-not-to-sim',
      severity: 'error',
      comment: 'Protocol cores see the world only through src/runtime/ports.ts; the simulator stays behind it.',
      from: { path: cores, pathNot: [...facadesAmongComponents] },
      to: { path: '^src/sim/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'core-not-to-sim-types',
      severity: 'error',
      comment:
        'Even as types, cores take randomness and time through the ports (RandomSource, LocalClock), not simulator classes. ' +
        'Exception: src/georep/workload.ts (SeededRandom.fork, to do: a fork() on a port).',
      from: { path: cores, pathNot: [...facadesAmongComponents, '^src/georep/workload[.]ts$'] },
      to: { path: '^src/sim/' },
    },
    {
      name: 'core-not-to-runtime-implementations',
      severity: 'error',
      comment: 'Cores may import src/runtime/ports.ts and the pure message-shape checks of src/runtime/wire-check.ts, and other runtime modules only as types (interfaces such as NodeService).',
      from: { path: cores, pathNot: [...facadesAmongComponents] },
      to: { path: '^src/runtime/', pathNot: '^src/runtime/(ports|wire-check)[.]ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'components-not-to-facades',
      severity: 'error',
      comment: 'Facades (src/api/) sit on top; nothing below imports them. src/cli/ is a front end and may.',
      from: { path: '^src/', pathNot: ['^src/api/', '^src/cli/', ...facadesAmongComponents] },
      to: { path: '^src/api/' },
    },
    {
      name: 'state-machine-modules-independent',
      severity: 'error',
      comment:
        'KV sits below transactions: src/kv/ never imports src/txn/ nor the composition (named exceptions: the server hosting it and the old-name re-export, see above).',
      from: { path: '^src/kv/', pathNot: kvModulesThatSeeTheComposition },
      to: { path: ['^src/txn/', '^src/replica/shard-state-machine[.]ts$'] },
    },
    {
      name: 'module-not-to-module',
      severity: 'error',
      comment: 'No state machine module imports another (issue 11 §5): what one needs of another, the composition hands it through an interface the needing module declares.',
      from: { path: stateMachineModule },
      to: { path: '^src/[^/]+/[^/]+-module[.]ts$' },
    },
    {
      name: 'module-not-to-other-components',
      severity: 'error',
      comment:
        "A state machine module imports only its own component, the module interface and shared leaves (src/util/, src/sharding/slots.ts); another component's vocabulary only as types (e.g. the KV command's Principal).",
      from: { path: stateMachineModule },
      to: { path: '^src/(kv|txn|auth|placement|rebalance|query|replica|georep)/', pathNot: ['^src/$1/', '^src/replica/module[.]ts$'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'module-not-to-composition',
      severity: 'error',
      comment: 'A module never sees the composition it is part of (src/replica/ beyond the module interface), even as a type.',
      from: { path: stateMachineModule },
      to: { path: '^src/replica/', pathNot: '^src/replica/module[.]ts$' },
    },
    {
      name: 'participant-module-not-to-kv-module',
      severity: 'error',
      comment: 'The transaction participant gets the KV data as a CommittedStore from the composition, never by importing the KV module.',
      from: { path: '^src/txn/participant-(module|state)[.]ts$' },
      to: { path: '^src/kv/' },
    },
    {
      name: 'src-not-to-tests',
      severity: 'error',
      comment: 'Production code never imports the acceptance suite, unit tests or benchmarks.',
      from: { path: '^src/' },
      to: { path: '^(support|step-definitions|test|bench|features|scripts)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve would hide a dependency from these rules.',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|reports)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    reporterOptions: {
      dot: { collapsePattern: '^src/[^/]+/' },
      archi: { collapsePattern: '^src/[^/]+/' },
      text: { highlightFocused: true },
    },
  },
};
