/**
 * The compiled CLI imports a TypeScript config through compiledConfig.ts: compiled once, reused while the config
 * and every file it imports are unchanged, compiled again when one of them changes.
 */
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledConfigUrl } from '../../config/compiledConfig.ts';

let dir: string;
let config: string;
let imported: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'landfall-compiled-config-'));
  config = path.join(dir, 'landfall.config.ts');
  imported = path.join(dir, 'teams.ts');
  await writeFile(imported, "export const teams: string[] = ['genomics'];\n");
  await writeFile(config, "import { teams } from './teams.ts';\nconst app: string = 'lab';\nexport default { app, teams };\n");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('compiledConfigUrl', () => {
  it('compiles the config with what it imports, reuses the build, and rebuilds when an imported file changes', async () => {
    const first = await compiledConfigUrl(config);
    expect(((await import(first)) as { default: unknown }).default).toEqual({ app: 'lab', teams: ['genomics'] });
    expect(await compiledConfigUrl(config)).toBe(first);

    await writeFile(imported, "export const teams: string[] = ['genomics', 'microbio'];\n");
    const later = new Date(Date.now() + 5_000);
    await utimes(imported, later, later);
    const second = await compiledConfigUrl(config);
    expect(second).not.toBe(first);
    expect(((await import(second)) as { default: unknown }).default).toEqual({ app: 'lab', teams: ['genomics', 'microbio'] });
  });
});
