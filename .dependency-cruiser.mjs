/**
 * The layering of Landfall's top-level folders, and the dependency-cruiser rules that enforce it.
 * `test/architecture/importGraph.test.ts` runs these rules over the real tree inside `npm test` (the
 * dependency-cruiser CLI needs Node 22; its API runs on the machines' Node 20).
 *
 * A folder may import only folders in layers BELOW its own. Units that share a layer are peers and never
 * import each other (the embedded runtime and the AWS stacks each wire the same handlers, state machines
 * and rules; neither knows the other). No import cycle anywhere. COORDINATION.md states the same order
 * and why; change both together.
 */

/** Top to bottom. Each layer maps unit names to the top-level folders (or root files) that make them up. */
export const LAYERS = [
  { bench: ['bench'] }, // benchmarks: may use everything, including the CLI's output helpers
  { cli: ['cli'] }, // the `landfall` command
  { demo: ['demo'] }, // synthetic runs and references, used by the CLI, the bench and tests
  { runtime: ['runtime'], stacks: ['stacks', 'sst.config.ts'] }, // embedded runtime | AWS deploy
  { functions: ['functions'] }, // Lambda handlers (thin) and the domain modules beside them
  { workflows: ['workflows'] }, // ASL builder, built-in pipelines, the programs Batch jobs run
  { validation: ['validation'] }, // the one validator library
  { layouts: ['layouts'] }, // how instruments lay out run folders
  { seams: ['seams'] }, // interfaces that differ between runtimes, with their AWS implementations
  { events: ['events'] }, // rule definitions, the EventBridge pattern matcher, team subscriptions
  { config: ['config', 'landfall.config.ts'] }, // the configuration schema, loader and the config itself
  { contracts: ['contracts'] }, // names, key layouts, payloads and event shapes that cross a boundary
];

/** Folders outside the layering: they may import any layer, and no layer may import them. */
export const EXEMPT = ['test', 'scripts'];

const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A path regex matching every module of `paths` (folders by prefix, root files exactly). */
export function pathsRegex(paths) {
  return `^(?:${paths.map((path) => (/\.[cm]?[jt]s$/.test(path) ? `${escapeRegex(path)}$` : `${escapeRegex(path)}/`)).join('|')})`;
}

function layeringRules() {
  const rules = [];
  LAYERS.forEach((layer, index) => {
    const above = LAYERS.slice(0, index).flatMap((upper) => Object.values(upper).flat());
    for (const [unit, paths] of Object.entries(layer)) {
      if (above.length > 0)
        rules.push({
          name: `no-upward-from-${unit}`,
          comment: `${unit} sits below ${above.join(', ')} in .dependency-cruiser.mjs LAYERS: it may not import them`,
          severity: 'error',
          from: { path: pathsRegex(paths) },
          to: { path: pathsRegex(above) },
        });
      const peers = Object.entries(layer)
        .filter(([other]) => other !== unit)
        .flatMap(([, otherPaths]) => otherPaths);
      if (peers.length > 0)
        rules.push({
          name: `no-sideways-from-${unit}`,
          comment: `${unit} and ${peers.join(', ')} are peers in one layer: neither imports the other`,
          severity: 'error',
          from: { path: pathsRegex(paths) },
          to: { path: pathsRegex(peers) },
        });
    }
  });
  return rules;
}

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle: split the module that both sides need, or move the shared type down a layer',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-exempt',
      comment: 'Product code may not import tests or scripts',
      severity: 'error',
      from: { pathNot: pathsRegex(EXEMPT) },
      to: { path: pathsRegex(EXEMPT) },
    },
    ...layeringRules(),
  ],
  options: {
    // Type-only imports count: a type is a dependency on where it is defined.
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|^\\.sst/|^dist/' },
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
