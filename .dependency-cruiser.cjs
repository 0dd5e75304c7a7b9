/**
 * The project's layering, checked by `npm run check:deps` (dependency-cruiser) in `npm test` and CI.
 *
 *   lib/providers   provider bindings (L1)
 *   constructs/*    building blocks (L2): kafka, connect, bigquery, catalog, dlp, sources, ...
 *   constructs/stages, constructs/decentralization   stage constructs (L3), composed from blocks
 *   stacks/         reference stacks and the cdktf app
 *   lib/cdc-worker  the worker runtime: its own entry point, no cdktf
 *
 * Imports only go down these layers, and nothing imports in a cycle.
 */
const BLOCKS = '^constructs/(?!stages/|decentralization/)';
const STAGES = '^constructs/(stages|decentralization)/';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules that import each other cannot be understood, tested or moved one at a time.',
      from: { path: '^(lib|constructs|stacks)/|^index\\.ts$' },
      to: { circular: true },
    },
    {
      name: 'providers-import-nothing-of-ours',
      severity: 'error',
      comment: 'Provider bindings (L1) are generated-style code: they depend on cdktf only.',
      from: { path: '^lib/providers/' },
      to: { path: '^(constructs|stacks|lib/(?!providers/))' },
    },
    {
      name: 'blocks-do-not-import-stages',
      severity: 'error',
      comment: 'A building block (L2) must not depend on a stage (L3) that is composed from it.',
      from: { path: BLOCKS },
      to: { path: STAGES },
    },
    {
      name: 'constructs-do-not-import-stacks',
      severity: 'error',
      comment: 'Reference stacks are examples built on the library, never a dependency of it.',
      from: { path: '^(constructs|lib)/' },
      to: { path: '^stacks/' },
    },
    {
      name: 'worker-has-no-cdktf',
      severity: 'error',
      comment: 'The CDC worker runs in a container without cdktf; it imports neither the constructs nor cdktf.',
      from: { path: '^lib/cdc-worker/' },
      to: { path: '^(constructs|stacks|lib/providers)/|node_modules/(cdktf|cdktn|constructs|@cdktf)/' },
    },
    {
      name: 'library-does-not-import-tests',
      severity: 'error',
      comment: 'Shipped code never depends on test, bench or script code.',
      from: { path: '^(lib|constructs|stacks)/|^index\\.ts$' },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|cdktf\\.out|docs)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
