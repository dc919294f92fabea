/**
 * A `landfall.config.ts` for the compiled CLI, which runs on plain Node (no TypeScript loader): the config and
 * the modules it imports are bundled once with esbuild into an ES module under `node_modules/.cache/`, and reused
 * while none of those files changed (their sizes and modification times are kept beside it). A command then pays
 * for a few `stat` calls, not for a compiler.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(projectRoot, 'node_modules', '.cache', 'landfall-config');

interface Stamp {
  path: string;
  size: number;
  mtimeMs: number;
}

function stampOf(file: string): Stamp | undefined {
  const stat = statSync(file, { throwIfNoEntry: false });
  return stat && { path: file, size: stat.size, mtimeMs: stat.mtimeMs };
}

/** The cached module of `configPath` when every file it was built from is unchanged. */
function fresh(module: string, stamps: string): boolean {
  if (!existsSync(module) || !existsSync(stamps)) return false;
  try {
    const recorded = JSON.parse(readFileSync(stamps, 'utf8')) as Stamp[];
    return recorded.every((stamp) => {
      const now = stampOf(stamp.path);
      return now !== undefined && now.size === stamp.size && now.mtimeMs === stamp.mtimeMs;
    });
  } catch {
    return false;
  }
}

/**
 * The file URL of an ES module equal to the TypeScript config at `configPath` (absolute), building it when
 * the config or anything it imports changed since the last build.
 */
export async function compiledConfigUrl(configPath: string): Promise<string> {
  const key = createHash('sha256').update(configPath).digest('hex').slice(0, 16);
  const module = path.join(CACHE, `${key}.mjs`);
  const stamps = path.join(CACHE, `${key}.inputs.json`);
  if (!fresh(module, stamps)) {
    const { build } = await import('esbuild');
    await mkdir(CACHE, { recursive: true });
    const aside = `${module}.${process.pid}-${Date.now()}`;
    const result = await build({
      entryPoints: [configPath],
      outfile: aside,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).map((input) => path.resolve(process.cwd(), input));
    await writeFile(`${stamps}.${process.pid}`, JSON.stringify(inputs.flatMap((input) => stampOf(input) ?? [])));
    // Renamed into place, stamps last: a concurrent command sees either the old pair or the new one.
    await rename(aside, module);
    await rename(`${stamps}.${process.pid}`, stamps).catch(async (error: unknown) => {
      await rm(`${stamps}.${process.pid}`, { force: true });
      throw error;
    });
  }
  // A query per build: a rebuilt config in the same process is a new module, not the cached old one.
  return `${pathToFileURL(module).href}?v=${statSync(module).mtimeMs}`;
}
