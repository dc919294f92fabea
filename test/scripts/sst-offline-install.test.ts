import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureSstPlatform, pinnedAwsProviderVersion, SstInstallError } from '../../scripts/sst-offline-install.ts';
import { repositoryRoot } from '../support/pulumiHarness.ts';

const roots: string[] = [];
const tempRoot = (sstConfig: string) => {
  const root = mkdtempSync(join(tmpdir(), 'landfall-sst-install-'));
  roots.push(root);
  writeFileSync(join(root, 'sst.config.ts'), sstConfig);
  return root;
};

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('pinnedAwsProviderVersion', () => {
  it.each([
    { case: 'single quotes', source: "providers: { aws: { version: '7.20.0', region: 'eu-west-1' } }", expected: '7.20.0' },
    {
      case: 'double quotes after other keys',
      source: 'providers: { aws: { region: "eu-west-1", version: "7.21.1" } }',
      expected: '7.21.1',
    },
  ])('reads the pin written with $case', ({ source, expected }) => {
    // Prepare
    const root = tempRoot(`export default $config({ app() { return { ${source} }; } });`);

    // Act
    const version = pinnedAwsProviderVersion(root);

    // Assess
    expect(version).toBe(expected);
  });

  it('names the file when the provider is not pinned', () => {
    // Prepare
    const root = tempRoot('export default $config({ app() { return { providers: { aws: true } }; } });');

    // Act
    const read = () => pinnedAwsProviderVersion(root);

    // Assess
    expect(read).toThrow(SstInstallError);
    expect(read).toThrow(`${join(root, 'sst.config.ts')}: expected the aws provider pinned`);
  });
});

describe('ensureSstPlatform', () => {
  it('returns at once when the platform matches the installed sst and the pin', async () => {
    // Act
    const state = await ensureSstPlatform({ root: repositoryRoot, log: () => undefined });

    // Assess
    const sstVersion = (
      JSON.parse(readFileSync(join(repositoryRoot, 'node_modules', 'sst', 'package.json'), 'utf8')) as { version: string }
    ).version;
    expect(state).toEqual({
      platform: join(repositoryRoot, '.sst', 'platform'),
      installed: false,
      sstVersion,
      awsProviderVersion: pinnedAwsProviderVersion(repositoryRoot),
    });
    expect(readFileSync(join(state.platform, 'version'), 'utf8').trim()).toBe(sstVersion);
  }, 120_000);

  it('asks for npm ci when sst itself is not installed', async () => {
    // Prepare
    const root = tempRoot("providers: { aws: { version: '7.20.0' } }");

    // Act
    const ensured = ensureSstPlatform({ root, log: () => undefined });

    // Assess
    await expect(ensured).rejects.toThrow(`node_modules/sst is missing in ${root}: run "npm ci" first`);
  });
});
