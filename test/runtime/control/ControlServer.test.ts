import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureTokens, type TokensFile } from '../../../runtime/identity/identity.ts';
import { startControlServer, type ControlServer } from '../../../runtime/control/ControlServer.ts';
import type { BusEvent } from '../../../seams/events/EventPublisher.ts';

const reprocess = (team: string) => ({
  source: 'landfall',
  'detail-type': 'Reprocess Requested',
  detail: { team, runId: 'RUN1', sampleId: 'S1', dedupeKey: `reprocess:${team}` },
});
const replay = (team: string, key: string) => ({
  source: 'landfall',
  'detail-type': 'Object Replayed',
  detail: { team, runId: 'RUN1', bucket: 'landfall-landing', key, size: 1, etag: 'e', dedupeKey: `replay:${key}` },
});

describe('ControlServer (the local PutEvents)', () => {
  let stateDir: string;
  let tokens: TokensFile;
  let server: ControlServer;
  let published: BusEvent[];

  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-control-'));
    tokens = await ensureTokens(stateDir, { teams: [{ id: 'genomics' }, { id: 'microbio' }] as never });
    published = [];
    server = await startControlServer({ bus: { publish: async (events) => void published.push(...events) }, stateDir });
  });
  afterEach(async () => {
    await server.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  const post = async (token: string | undefined, entries: unknown[]) => {
    const response = await fetch(`http://127.0.0.1:${server.port}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ Entries: entries }),
    });
    return { status: response.status, body: (await response.json()) as { error?: string } };
  };

  it.each([
    {
      case: 'the operator, any team',
      who: 'operator',
      entries: [reprocess('microbio'), replay('genomics', 'incoming/genomics/RUN1/a')],
      status: 200,
    },
    { case: 'a team, its own reprocess', who: 'genomics', entries: [reprocess('genomics')], status: 200 },
    { case: 'a team, its own replay', who: 'genomics', entries: [replay('genomics', 'incoming/genomics/RUN1/a')], status: 200 },
    { case: "a team, another team's reprocess (finding 9)", who: 'genomics', entries: [reprocess('microbio')], status: 403 },
    {
      case: "a team, a replay of another team's object under its own name",
      who: 'genomics',
      entries: [replay('genomics', 'incoming/microbio/RUN1/a')],
      status: 403,
    },
    {
      case: 'a team, any other event',
      who: 'genomics',
      entries: [{ source: 'landfall', 'detail-type': 'Sample Completed', detail: { team: 'genomics', runId: 'R', sampleId: 'S' } }],
      status: 403,
    },
    {
      case: 'a team, one refused entry among allowed ones',
      who: 'genomics',
      entries: [reprocess('genomics'), reprocess('microbio')],
      status: 403,
    },
    { case: 'no token', who: undefined, entries: [reprocess('genomics')], status: 401 },
    { case: 'an unknown token', who: 'lft_not-a-token', entries: [reprocess('genomics')], status: 401 },
  ])('$case → $status', async ({ who, entries, status }) => {
    // Prepare
    const token = who === 'operator' ? tokens.operator : who && who in tokens.teams ? tokens.teams[who] : who;
    // Act
    const result = await post(token, entries);
    // Assess: nothing of a refused request reaches the bus
    expect(result.status).toBe(status);
    expect(published).toHaveLength(status === 200 ? entries.length : 0);
    if (status === 403) expect(result.body.error).toMatch(/^Entries\[\d\]: /);
  });

  it.each([
    {
      case: "a team reprocessing another team's sample",
      method: 'POST',
      route: '/reprocess',
      body: { team: 'microbio', runId: 'R', sampleId: 'S' },
    },
    { case: "a team cancelling another team's run", method: 'POST', route: '/cancel', body: { team: 'microbio', runId: 'R' } },
    { case: "a team reading another team's step log", method: 'GET', route: '/logs?team=microbio&run=R&sample=S', body: undefined },
  ])('refuses $case (403) before looking anything up, and publishes nothing', async ({ method, route, body }) => {
    // Act
    const response = await fetch(`http://127.0.0.1:${server.port}${route}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.teams.genomics}` },
      ...(body && { body: JSON.stringify(body) }),
    });
    // Assess
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toBe(
      "team genomics cannot act on team microbio's data (use that team's token, or the operator's)",
    );
    expect(published).toEqual([]);
  });
});
