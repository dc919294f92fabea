/**
 * The import graph of the real tree, checked with dependency-cruiser against the rules in
 * `.dependency-cruiser.mjs`: no cycle anywhere, no arrow from a top-level folder to one above it or to a
 * peer, no product code importing tests. A second suite builds a tiny tree with one violation of each
 * kind, so a rule that stopped matching would fail here rather than pass everything silently.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cruise, type ICruiseOptions, type IConfiguration, type IViolation } from 'dependency-cruiser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface GraphRules {
  default: IConfiguration;
  LAYERS: Array<Record<string, string[]>>;
  EXEMPT: string[];
}
// A computed specifier: the rules are plain JavaScript so the dependency-cruiser CLI can read them too.
const rulesFile = pathToFileURL(path.join(projectRoot, '.dependency-cruiser.mjs')).href;
const rules = (await import(rulesFile)) as GraphRules;

/** Cruises `roots` under `baseDir` with the repository's rules; returns the violations, one line each. */
async function violationsOf(baseDir: string, roots: string[]): Promise<string[]> {
  const options: ICruiseOptions = {
    baseDir,
    validate: true,
    ruleSet: { forbidden: rules.default.forbidden },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/|^\\.sst/|^dist/' },
  };
  const result = await cruise(roots, options, { extensions: ['.ts', '.mts', '.mjs', '.js'] });
  if (typeof result.output === 'string') throw new Error('dependency-cruiser returned text, expected its JSON result');
  const describe = (violation: IViolation) =>
    violation.rule.name === 'no-circular'
      ? `no-circular: ${[violation.from, ...(violation.cycle ?? []).map((step) => step.name)].join(' → ')}`
      : `${violation.rule.name}: ${violation.from} → ${violation.to}`;
  return [...new Set(result.output.summary.violations.map(describe))].sort();
}

/** Top-level folders and root files that hold source, as git knows them. */
function sourceRoots(): string[] {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: projectRoot, encoding: 'utf8' })
    .split('\n')
    .filter((file) => /\.(?:[cm]?ts|[cm]?js)$/.test(file) && !file.startsWith('.'));
  return [...new Set(files.map((file) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : file)))].sort();
}

describe('the import graph', () => {
  it('places every top-level folder of source in a layer (or exempts it)', () => {
    // Prepare
    const placed = new Set([...rules.LAYERS.flatMap((layer) => Object.values(layer).flat()), ...rules.EXEMPT]);
    const rootConfigs = ['vitest.config.ts'];
    // Act
    const unplaced = sourceRoots().filter((root) => !placed.has(root) && !rootConfigs.includes(root));
    // Assess
    expect(unplaced, 'add these to LAYERS in .dependency-cruiser.mjs (and to COORDINATION.md)').toEqual([]);
  });

  it('has no cycle, no upward or sideways arrow between top-level folders, and no product code importing tests', async () => {
    // Prepare
    const roots = sourceRoots().filter((root) => root !== 'vitest.config.ts');
    // Act
    const violations = await violationsOf(projectRoot, roots);
    // Assess
    expect(violations).toEqual([]);
  });
});

describe('the import-graph rules bite', () => {
  let tree: string;
  const write = async (file: string, text: string) => {
    await mkdir(path.dirname(path.join(tree, file)), { recursive: true });
    await writeFile(path.join(tree, file), text);
  };

  beforeAll(async () => {
    tree = await mkdtemp(path.join(os.tmpdir(), 'landfall-import-graph-'));
    // Allowed: downward arrows.
    await write('contracts/names.ts', 'export const NAME = "n";\n');
    await write('functions/handler.ts', "import { NAME } from '../contracts/names.ts';\nexport const used = NAME;\n");
    // An upward arrow, and one that is only a type.
    await write('contracts/upward.ts', "import { used } from '../functions/handler.ts';\nexport const again = used;\n");
    await write('events/typeOnly.ts', "import type { Runtime } from '../runtime/Runtime.ts';\nexport type Alias = Runtime;\n");
    await write('runtime/Runtime.ts', "import { wire } from '../stacks/wire.ts';\nexport interface Runtime { wire: typeof wire }\n");
    // A sideways arrow between peers (runtime → stacks, above) and a cycle inside one folder.
    await write('stacks/wire.ts', 'export const wire = 1;\n');
    await write('workflows/a.ts', "import { b } from './b.ts';\nexport const a = () => b;\n");
    await write('workflows/b.ts', "import { a } from './a.ts';\nexport const b = () => a;\n");
    // Product code importing a test helper.
    await write('seams/helper.ts', "import { fixture } from '../test/fixture.ts';\nexport const h = fixture;\n");
    await write('test/fixture.ts', 'export const fixture = 1;\n');
  });
  afterAll(async () => {
    if (tree) await rm(tree, { recursive: true, force: true });
  });

  it('reports each violation, and only those', async () => {
    // Act
    const violations = await violationsOf(tree, ['contracts', 'events', 'functions', 'runtime', 'seams', 'stacks', 'workflows', 'test']);
    // Assess
    expect(violations).toEqual([
      'no-circular: workflows/a.ts → workflows/b.ts → workflows/a.ts',
      'no-sideways-from-runtime: runtime/Runtime.ts → stacks/wire.ts',
      'no-upward-from-contracts: contracts/upward.ts → functions/handler.ts',
      'no-upward-from-events: events/typeOnly.ts → runtime/Runtime.ts',
      'not-to-exempt: seams/helper.ts → test/fixture.ts',
    ]);
  });
});
