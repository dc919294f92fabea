import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VALIDATION_RULES } from '../../validation/rules.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The rows of README's "Validation rules" table: code, scope, description (Markdown as written). */
async function readmeRules(): Promise<Array<{ code: string; scope: string; description: string }>> {
  const readme = await readFile(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Validation rules\n'));
  const end = section.indexOf('\n## ', 1);
  const rows = (end < 0 ? section : section.slice(0, end)).split('\n').filter((line) => /^\| `[A-Z0-9_]+` /.test(line));
  return rows.map((row) => {
    const cells = row
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim().replace(/\\\|/g, '|'));
    return { code: cells[0]!.replace(/`/g, ''), scope: cells[1]!, description: cells[2]! };
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]))),
  );
  return nested.flat();
}

describe('The validation rule registry', () => {
  it('is listed in README "Validation rules", rule for rule and word for word', async () => {
    const expected = VALIDATION_RULES.map(({ code, scope, description }) => ({ code, scope, description }));
    // On a mismatch, the message shows the rows to paste (Biome aligns the table).
    const rows = expected.map((rule) => `| \`${rule.code}\` | ${rule.scope} | ${rule.description.replace(/\|/g, '\\|')} |`);
    expect(await readmeRules(), `README rows should be:\n${rows.join('\n')}`).toEqual(expected);
  });

  it('has unique codes in UPPER_SNAKE_CASE and one-line descriptions', () => {
    const codes = VALIDATION_RULES.map((rule) => rule.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const rule of VALIDATION_RULES) {
      expect(rule.code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(rule.description).toMatch(/^[^\n]{10,140}$/);
    }
  });

  it('names, for every rule, modules that build its reasons', async () => {
    for (const rule of VALIDATION_RULES) {
      const sources = await Promise.all(rule.checkedIn.map((path) => readFile(join(root, path), 'utf8')));
      expect(
        sources.every((source) => source.includes(`'${rule.code}'`)),
        `${rule.code} in ${rule.checkedIn.join(', ')}`,
      ).toBe(true);
    }
  });

  it('has each rule produced and asserted by at least one test', async () => {
    const tests = (await filesUnder('test')).filter((path) => /\.test\.ts$/.test(path) && !path.endsWith('rules.test.ts'));
    const text = (await Promise.all(tests.map((path) => readFile(join(root, path), 'utf8')))).join('\n');
    const untested = VALIDATION_RULES.filter((rule) => !text.includes(`'${rule.code}'`)).map((rule) => rule.code);
    expect(untested).toEqual([]);
  });
});
