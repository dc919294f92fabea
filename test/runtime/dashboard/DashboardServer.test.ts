/**
 * The dashboard's HTTP side on a real socket and a real local catalog: signing in with a token (the CLI's
 * identity rules, never an anonymous operator), team scoping of every answer, the Host check, the page's
 * self-contained assets, and the event stream sending a new snapshot when the catalog changes.
 */
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTokens, type TokensFile } from '../../../runtime/identity/identity.ts';
import { startDashboardServer, type DashboardServer } from '../../../runtime/dashboard/DashboardServer.ts';
import type { ActivityItem } from '../../../runtime/dashboard/activity.ts';
import type { DashboardOverview } from '../../../runtime/dashboard/gatherDashboard.ts';
import { startTestCatalog } from '../../support/catalogServer.ts';
import { RUN_G, RUN_M, dashboardConfig, seedCatalog } from './seedCatalog.ts';

type Snapshot = { overview: DashboardOverview; activity: ActivityItem[] };

describe('dashboard server', () => {
  let test: Awaited<ReturnType<typeof startTestCatalog>>;
  let stateDir: string;
  let tokens: TokensFile;
  let server: DashboardServer;
  let busLog: string;

  beforeAll(async () => {
    test = await startTestCatalog();
    await seedCatalog(test.catalog);
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-dashboard-'));
    tokens = await ensureTokens(stateDir, dashboardConfig);
    busLog = path.join(stateDir, 'bus', 'events.jsonl');
    await mkdir(path.dirname(busLog), { recursive: true });
    const event = (team: string, runId: string, type: string) =>
      JSON.stringify({
        id: `${team}-${type}`,
        time: '2026-12-01T10:00:00.000Z',
        source: 'landfall',
        'detail-type': type,
        detail: { team, runId, sampleId: 'X1' },
      });
    await appendFile(busLog, `${event('genomics', RUN_G, 'Sample Cataloged')}\n${event('microbio', RUN_M, 'Sample Completed')}\n`);
    server = await startDashboardServer({ catalog: test.client(), config: dashboardConfig, stateDir, busLogFile: busLog, refreshMs: 100 });
  });
  afterAll(async () => {
    await server?.close();
    await test?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  const get = (pathname: string, headers: Record<string, string> = {}) =>
    fetch(new URL(pathname, server.url), { headers, redirect: 'manual' });
  async function signIn(token: string): Promise<string> {
    const response = await get(`/?token=${encodeURIComponent(token)}`);
    expect(response.status).toBe(303);
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    return cookie.split(';')[0]!;
  }

  it('asks for a token and refuses data without one or with an unknown one', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<label for="token">Token</label>');
    expect((await get('/api/overview')).status).toBe(401);
    const wrong = await get('/?token=lft_not-a-real-token');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('That token is not known to this runtime');
    expect((await get('/api/overview', { authorization: 'Bearer lft_not-a-real-token' })).status).toBe(401);
  });

  it('scopes every answer for a team session to that team', async () => {
    const cookie = await signIn(tokens.teams.genomics!);
    const page = await get('/', { cookie });
    expect(await page.text()).toContain('<script src="/assets/dashboard.js" defer></script>');
    const overview = (await (await get('/api/overview', { cookie })).json()) as Snapshot;
    expect(overview.overview.teams.map((team) => team.team)).toEqual(['genomics']);
    expect(overview.activity.map((item) => item.team)).toEqual(['genomics']);
    expect(JSON.stringify(overview)).not.toContain('microbio');
    const refused = await get(`/api/runs/microbio/${RUN_M}`, { cookie });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: string }).error).toBe(
      "team genomics cannot read team microbio's data (use that team's token, or the operator's)",
    );
    expect((await get(`/api/runs/genomics/${RUN_G}`, { cookie })).status).toBe(200);
  });

  it('lets the operator, by bearer token too, see every team', async () => {
    const overview = (await (await get('/api/overview', { authorization: `Bearer ${tokens.operator}` })).json()) as Snapshot;
    expect(overview.overview.teams.map((team) => team.team)).toEqual(['genomics', 'microbio']);
    expect((await get(`/api/runs/microbio/${RUN_M}`, { authorization: `Bearer ${tokens.operator}` })).status).toBe(200);
  });

  it('signs out: the session cookie stops working', async () => {
    const cookie = await signIn(tokens.operator);
    const out = await fetch(new URL('/logout', server.url), { method: 'POST', headers: { cookie }, redirect: 'manual' });
    expect(out.status).toBe(303);
    expect((await get('/api/overview', { cookie })).status).toBe(401);
  });

  it('serves only its own assets, under a policy that forbids anything from elsewhere', async () => {
    const script = await get('/assets/dashboard.js');
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(script.headers.get('content-security-policy')).toContain("default-src 'none'; script-src 'self'");
    for (const asset of ['/assets/dashboard.js', '/assets/dashboard.css', '/'])
      expect(await (await get(asset)).text()).not.toMatch(/https?:\/\//);
  });

  it('answers only to its loopback host name (no DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/overview',
          headers: { host: `evil.example:${server.port}`, authorization: `Bearer ${tokens.operator}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('streams a new snapshot when a sample changes, without being asked again', async () => {
    const controller = new AbortController();
    const response = await fetch(new URL('/api/stream', server.url), {
      headers: { authorization: `Bearer ${tokens.teams.genomics}` },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    const nextSnapshot = async () => {
      for (;;) {
        const end = buffered.indexOf('\n\n');
        if (end >= 0) {
          const message = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = /^event: snapshot\ndata: (.*)$/ms.exec(message)?.[1];
          if (data)
            return JSON.parse(data) as {
              overview: { teams: Array<{ runs: Array<{ samples: Array<{ sampleId: string; status: string; detail: string }> }> }> };
            };
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffered += decoder.decode(value, { stream: true });
      }
    };
    const s4 = (snapshot: Awaited<ReturnType<typeof nextSnapshot>>) =>
      snapshot.overview.teams[0]!.runs[0]!.samples.find((sample) => sample.sampleId === 'S4')!;
    expect(s4(await nextSnapshot()).status).toBe('RECEIVING');
    await test.catalog.samples.setStatus({ team: 'genomics', runId: RUN_G, sampleId: 'S4' }, 'VALIDATING', {
      detail: 'validating 2 files',
    });
    expect(s4(await nextSnapshot())).toMatchObject({ status: 'VALIDATING', detail: 'validating 2 files' });
    controller.abort();
  });
});
