/**
 * Who is asking, on the embedded runtime: a team (by its token) or the operator.
 *
 * Tokens are secrets, so they live in `<state-dir>/tokens.json` (mode 0600), never in the config:
 * `{ "format": 1, "operator": "<token>", "teams": { "<team>": "<token>" } }`.
 *
 * The rule for the CLI: a token comes from `--token` or the `LANDFALL_TOKEN` environment variable.
 * With NO token the caller is the operator: on one machine, whoever runs the CLI as the runtime's user can
 * read tokens.json (and the bucket folders) anyway, so a token would add nothing against them; tokens
 * separate teams that share the runtime through a team token (a team's script, a dashboard session).
 * A token that is given but unknown is an error (the CLI's exit 2), never a silent fallback to operator.
 * Network-facing readers (the dashboard) must not use that fallback: pass `{ anonymous: 'refuse' }`.
 */
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { LandfallConfig } from '../../config/schema.ts';
import { IdentityError } from './errors.ts';

export type Identity = { kind: 'operator' } | { kind: 'team'; team: string };

export interface TokensFile {
  format: 1;
  operator: string;
  teams: Record<string, string>;
}

/** The environment variable read when `--token` is not given. */
export const TOKEN_ENV = 'LANDFALL_TOKEN';

export function tokensPath(stateDir: string): string {
  return path.join(path.resolve(stateDir), 'tokens.json');
}

function newToken(kind: 'operator' | 'team'): string {
  return `${kind === 'operator' ? 'lfo' : 'lft'}_${randomBytes(24).toString('base64url')}`;
}

async function readTokens(file: string): Promise<TokensFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IdentityError('tokens-file', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  let parsed: Partial<TokensFile>;
  try {
    parsed = JSON.parse(text) as Partial<TokensFile>;
  } catch (error) {
    throw new IdentityError(
      'tokens-file',
      `${file} is not valid JSON (${(error as Error).message}); delete it and restart \`landfall up\` to issue new tokens`,
      { cause: error },
    );
  }
  if (parsed.format !== 1 || typeof parsed.operator !== 'string' || typeof parsed.teams !== 'object' || parsed.teams === null) {
    throw new IdentityError(
      'tokens-file',
      `${file} is not a Landfall tokens file (expected { format: 1, operator, teams }); delete it and restart \`landfall up\` to issue new tokens`,
    );
  }
  return parsed as TokensFile;
}

async function writeTokens(file: string, tokens: TokensFile): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  // Created 0600 from the start: the secrets are never readable by others, not even for a moment.
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(tokens, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Creates `<stateDir>/tokens.json` (mode 0600) with one random token per team and one operator token if it
 * is missing; adds tokens for teams new to the config and keeps every existing token (removed teams'
 * tokens stay, and stop working once the team is gone from the config). Called by `landfall up`.
 *
 * @example
 * const tokens = await ensureTokens('.landfall', config);
 * console.log(`team tokens: ${tokensPath('.landfall')}`);
 */
export async function ensureTokens(stateDir: string, config: Pick<LandfallConfig, 'teams'>): Promise<TokensFile> {
  const file = tokensPath(stateDir);
  await mkdir(path.dirname(file), { recursive: true });
  const existing = await readTokens(file);
  const tokens: TokensFile = existing ?? { format: 1, operator: newToken('operator'), teams: {} };
  let changed = existing === undefined;
  for (const team of config.teams) {
    if (tokens.teams[team.id]) continue;
    tokens.teams[team.id] = newToken('team');
    changed = true;
  }
  if (changed) await writeTokens(file, tokens);
  else if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  return tokens;
}

/** Compares digests in constant time, so a wrong guess learns nothing from the timing. */
function sameToken(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export interface ResolveIdentityOptions {
  /**
   * What a missing token means: `'operator'` for the local CLI (see the module comment), `'refuse'` for
   * anything reachable over a socket. @default 'operator'
   */
  anonymous?: 'operator' | 'refuse';
}

/**
 * Who is asking: `token` (the `--token` option), else `LANDFALL_TOKEN`, matched against tokens.json.
 * Throws {@link IdentityError} `unauthenticated` (the CLI's exit 2) for a token that matches nobody.
 *
 * @example
 * const identity = await resolveIdentity(options.stateDir, options.token);
 * assertCanRead(identity, options.team);
 */
export async function resolveIdentity(stateDir: string, token?: string, options: ResolveIdentityOptions = {}): Promise<Identity> {
  const given = token ?? process.env[TOKEN_ENV];
  if (given === undefined || given === '') {
    if ((options.anonymous ?? 'operator') === 'operator') return { kind: 'operator' };
    throw new IdentityError('unauthenticated', 'a token is required (--token or LANDFALL_TOKEN)');
  }
  const file = tokensPath(stateDir);
  const tokens = await readTokens(file);
  if (!tokens) throw new IdentityError('unauthenticated', `unknown token: there is no ${file} yet (\`landfall up\` creates it)`);
  if (sameToken(given, tokens.operator)) return { kind: 'operator' };
  // Every entry is compared, so the time taken does not depend on which team (if any) matched.
  let match: string | undefined;
  for (const [team, teamToken] of Object.entries(tokens.teams)) if (sameToken(given, teamToken)) match = team;
  if (match) return { kind: 'team', team: match };
  throw new IdentityError('unauthenticated', `unknown token (not in ${file})`);
}

/** The refusal for a team identity asking about any other team, existing or not: the same words either way. */
function refusal(identity: { team: string }, team: string): IdentityError {
  return new IdentityError('refused', `team ${identity.team} cannot read team ${team}'s data (use that team's token, or the operator's)`);
}

/**
 * Throws {@link IdentityError} `refused` (the CLI's exit 1) unless `identity` may read `team`'s runs, samples and outputs.
 *
 * @example
 * assertCanRead({ kind: 'team', team: 'genomics' }, 'microbio'); // throws: team genomics cannot read team microbio's data …
 */
export function assertCanRead(identity: Identity, team: string): void {
  if (identity.kind === 'team' && identity.team !== team) throw refusal(identity, team);
}

/** The teams `identity` may see, in config order: all for the operator, its own for a team. */
export function visibleTeams(identity: Identity, config: Pick<LandfallConfig, 'teams'>): string[] {
  const all = config.teams.map((team) => team.id);
  return identity.kind === 'operator' ? all : all.filter((team) => team === identity.team);
}

/**
 * The teams a read command covers: `requested` if given (refused for a team identity asking for another,
 * and unknown teams are only listed to the operator), else every visible team. Use it instead of listing
 * `config.teams` so no listing or error message leaks another team's name.
 *
 * @example
 * for (const team of selectTeams(identity, client.config, options.team)) rows.push(...(await client.catalog.runs.listForTeam(team)));
 */
export function selectTeams(identity: Identity, config: Pick<LandfallConfig, 'teams'>, requested?: string): string[] {
  const visible = visibleTeams(identity, config);
  if (requested === undefined) {
    if (identity.kind === 'team' && visible.length === 0)
      throw new IdentityError('refused', `team ${identity.team} is not in the config any more`);
    return visible;
  }
  // Access first, existence second: a team must not learn from the error whether another team exists.
  assertCanRead(identity, requested);
  if (!visible.includes(requested)) {
    throw new IdentityError(
      'unknown-team',
      identity.kind === 'operator' ? `unknown team ${requested} (teams: ${visible.join(', ')})` : `team ${requested} is not in the config`,
    );
  }
  return [requested];
}
