import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compiledConfigUrl } from './compiledConfig.ts';
import { ConfigError } from './errors.ts';
import { LandfallConfig } from './schema.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The config used when `--config` is not given: ./landfall.config.ts, else the project's own. */
export function defaultConfigPath(cwd = process.cwd()): string {
  const local = path.resolve(cwd, 'landfall.config.ts');
  return existsSync(local) ? local : path.join(projectRoot, 'landfall.config.ts');
}

/** `true` in the compiled CLI and job programs (scripts/build.ts defines it); undeclared in the sources. */
declare const LANDFALL_COMPILED: boolean | undefined;
const compiled = typeof LANDFALL_COMPILED !== 'undefined' && LANDFALL_COMPILED === true;

/**
 * Imports the config module: from the sources (run through tsx) Node imports the TypeScript directly; the
 * compiled CLI (dist/) imports the config compiled (compiledConfig.ts). Never Node's own type stripping (on by
 * default from Node 22.18): it refuses TypeScript a config may use (parameter properties, enums), and the
 * config's imports of Landfall's modules would load a second copy beside the bundled one.
 */
async function importConfig(file: string): Promise<unknown> {
  if (compiled) return import(await compiledConfigUrl(file));
  try {
    return await import(pathToFileURL(file).href);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    return import(await compiledConfigUrl(file));
  }
}

/** Imports a `landfall.config.ts` (default export from defineConfig) and validates it again. */
export async function loadConfig(configPath = defaultConfigPath()): Promise<{ config: LandfallConfig; configPath: string }> {
  const resolved = path.resolve(configPath);
  if (!existsSync(resolved)) throw new ConfigError(`config file ${resolved} does not exist`);
  let module: { default?: unknown };
  try {
    module = (await importConfig(resolved)) as { default?: unknown };
  } catch (error) {
    throw new ConfigError(`could not load ${resolved}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = LandfallConfig.safeParse(module.default);
  if (!parsed.success)
    throw new ConfigError(`${resolved} does not default-export a valid config (use defineConfig): ${parsed.error.message}`, {
      cause: parsed.error,
    });
  return { config: parsed.data, configPath: resolved };
}
