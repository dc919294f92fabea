import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineConfig } from '../../../config/defineConfig.ts';
import { EXIT, exitCodeOf } from '../../../cli/errors.ts';
import { IdentityError } from '../../../runtime/identity/errors.ts';
import {
  assertCanRead,
  ensureTokens,
  resolveIdentity,
  selectTeams,
  TOKEN_ENV,
  tokensPath,
  visibleTeams,
  type Identity,
} from '../../../runtime/identity/identity.ts';
import { configInput } from '../../cli/stateFixture.ts';

const config = defineConfig(structuredClone(configInput));
const teamA: Identity = { kind: 'team', team: 'lab-a' };
const operator: Identity = { kind: 'operator' };

/** The IdentityError a call throws, for assertions on its message, its problem and the CLI's exit code for it. */
function refusal(call: () => unknown): IdentityError {
  try {
    call();
  } catch (error) {
    if (error instanceof IdentityError) return error;
    throw error;
  }
  throw new Error('expected an IdentityError, nothing was thrown');
}

describe('identity', () => {
  let stateDir: string;
  let savedEnv: string | undefined;
  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-identity-'));
    savedEnv = process.env[TOKEN_ENV];
    delete process.env[TOKEN_ENV];
  });
  afterEach(async () => {
    if (savedEnv === undefined) delete process.env[TOKEN_ENV];
    else process.env[TOKEN_ENV] = savedEnv;
    await rm(stateDir, { recursive: true, force: true });
  });

  describe('ensureTokens', () => {
    it('creates tokens.json readable by its owner only, with one token per team and an operator token', async () => {
      // Act
      const tokens = await ensureTokens(stateDir, config);
      // Assess
      expect((await stat(tokensPath(stateDir))).mode & 0o777).toBe(0o600);
      expect(Object.keys(tokens.teams)).toEqual(['lab-a', 'lab-b']);
      const all = [tokens.operator, ...Object.values(tokens.teams)];
      expect(new Set(all).size).toBe(3);
      for (const token of all) expect(token.length).toBeGreaterThanOrEqual(32);
      expect(JSON.parse(await readFile(tokensPath(stateDir), 'utf8'))).toEqual(tokens);
    });

    it('keeps existing tokens and adds one for a team new to the config', async () => {
      // Prepare
      const before = await ensureTokens(stateDir, config);
      const grown = defineConfig({ ...structuredClone(configInput), teams: [...configInput.teams, { id: 'lab-c', pipeline: 'demo' }] });
      // Act
      const after = await ensureTokens(stateDir, grown);
      // Assess
      expect(after.operator).toBe(before.operator);
      expect(after.teams['lab-a']).toBe(before.teams['lab-a']);
      expect(after.teams['lab-b']).toBe(before.teams['lab-b']);
      expect(after.teams['lab-c']).toMatch(/^lft_/);
      expect(JSON.parse(await readFile(tokensPath(stateDir), 'utf8'))).toEqual(after);
    });

    it('tightens a tokens file someone made readable to others', async () => {
      // Prepare
      await ensureTokens(stateDir, config);
      const { chmod } = await import('node:fs/promises');
      await chmod(tokensPath(stateDir), 0o644);
      // Act
      await ensureTokens(stateDir, config);
      // Assess
      expect((await stat(tokensPath(stateDir))).mode & 0o777).toBe(0o600);
    });
  });

  describe('resolveIdentity', () => {
    it.each([
      {
        case: 'a team token',
        token: (t: { teams: Record<string, string> }) => t.teams['lab-b'],
        expected: { kind: 'team', team: 'lab-b' },
      },
      { case: 'the operator token', token: (t: { operator: string }) => t.operator, expected: { kind: 'operator' } },
      { case: 'no token at all (the local operator)', token: () => undefined, expected: { kind: 'operator' } },
    ])('$case', async ({ token, expected }) => {
      // Prepare
      const tokens = await ensureTokens(stateDir, config);
      // Act
      const identity = await resolveIdentity(stateDir, token(tokens));
      // Assess
      expect(identity).toEqual(expected);
    });

    it('reads LANDFALL_TOKEN when --token is not given', async () => {
      // Prepare
      const tokens = await ensureTokens(stateDir, config);
      process.env[TOKEN_ENV] = tokens.teams['lab-a'];
      // Act
      const identity = await resolveIdentity(stateDir);
      // Assess
      expect(identity).toEqual(teamA);
    });

    it.each([
      { case: 'an unknown token', prepare: true, token: 'lft_not-a-real-token', message: /^unknown token/ },
      {
        case: 'a token before any tokens.json exists',
        prepare: false,
        token: 'lft_whatever',
        message: /^unknown token: there is no .*tokens\.json yet/,
      },
    ])('refuses $case with exit 2', async ({ prepare, token, message }) => {
      // Prepare
      if (prepare) await ensureTokens(stateDir, config);
      // Act
      const result = resolveIdentity(stateDir, token);
      // Assess
      await expect(result).rejects.toThrow(message);
      await expect(result).rejects.toMatchObject({ problem: 'unauthenticated' });
      expect(exitCodeOf(await result.catch((error: unknown) => error))).toBe(EXIT.usage);
    });

    it('refuses a missing token where anonymous access is not allowed (the dashboard)', async () => {
      // Act
      const result = resolveIdentity(stateDir, undefined, { anonymous: 'refuse' });
      // Assess
      await expect(result).rejects.toMatchObject({
        problem: 'unauthenticated',
        message: 'a token is required (--token or LANDFALL_TOKEN)',
      });
      expect(exitCodeOf(await result.catch((error: unknown) => error))).toBe(EXIT.usage);
    });

    it('explains a damaged tokens file instead of treating every token as unknown', async () => {
      // Prepare
      await writeFile(tokensPath(stateDir), '{ not json');
      // Act
      const result = resolveIdentity(stateDir, 'lft_x');
      // Assess
      await expect(result).rejects.toThrow(/tokens\.json is not valid JSON .* delete it and restart `landfall up`/);
    });
  });

  describe('assertCanRead', () => {
    it.each([
      { case: 'a team reading its own data', identity: teamA, team: 'lab-a', allowed: true },
      { case: 'the operator reading any team', identity: operator, team: 'lab-b', allowed: true },
      { case: "a team reading another team's data", identity: teamA, team: 'lab-b', allowed: false },
    ])('$case: allowed = $allowed', ({ identity, team, allowed }) => {
      // Act
      const check = () => assertCanRead(identity, team);
      // Assess
      if (allowed) expect(check).not.toThrow();
      else {
        expect(refusal(check)).toMatchObject({
          problem: 'refused',
          message: "team lab-a cannot read team lab-b's data (use that team's token, or the operator's)",
        });
        expect(exitCodeOf(refusal(check))).toBe(EXIT.failed);
      }
    });
  });

  describe('visibleTeams', () => {
    it.each([
      { case: 'the operator sees every team', identity: operator, expected: ['lab-a', 'lab-b'] },
      { case: 'a team sees only itself', identity: teamA, expected: ['lab-a'] },
      { case: 'a team removed from the config sees nothing', identity: { kind: 'team', team: 'gone' } as Identity, expected: [] },
    ])('$case', ({ identity, expected }) => {
      // Assess
      expect(visibleTeams(identity, config)).toEqual(expected);
    });
  });

  describe('selectTeams', () => {
    it('refuses a team asking for another team in the same words whether that team exists or not', () => {
      // Act
      const existing = refusal(() => selectTeams(teamA, config, 'lab-b'));
      const missing = refusal(() => selectTeams(teamA, config, 'lab-zz'));
      // Assess
      expect(existing.message).toBe("team lab-a cannot read team lab-b's data (use that team's token, or the operator's)");
      expect(missing.message).toBe(existing.message.replace('lab-b', 'lab-zz'));
      expect([exitCodeOf(existing), exitCodeOf(missing)]).toEqual([EXIT.failed, EXIT.failed]);
    });

    it.each([
      { case: 'operator, no team asked', identity: operator, requested: undefined, expected: ['lab-a', 'lab-b'] },
      { case: 'operator, one team', identity: operator, requested: 'lab-b', expected: ['lab-b'] },
      { case: 'team, no team asked', identity: teamA, requested: undefined, expected: ['lab-a'] },
      { case: 'team, itself', identity: teamA, requested: 'lab-a', expected: ['lab-a'] },
    ])('$case', ({ identity, requested, expected }) => {
      // Assess
      expect(selectTeams(identity, config, requested)).toEqual(expected);
    });

    it('tells only the operator which teams exist when the team is unknown', () => {
      // Act
      const error = refusal(() => selectTeams(operator, config, 'lab-zz'));
      // Assess
      expect(error).toMatchObject({ problem: 'unknown-team', message: 'unknown team lab-zz (teams: lab-a, lab-b)' });
      // Issue 19: one rule for every unknown name (team, run, sample): exit 1 with the known names.
      expect(exitCodeOf(error)).toBe(EXIT.failed);
    });
  });
});
