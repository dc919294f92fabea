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
import { bucketNames } from '../../../config/defineConfig.ts';
import type { BusEvent } from '../../../seams/events/EventPublisher.ts';
import { FolderStorage } from '../../../seams/storage/FolderStorage.ts';
import { startTestCatalog } from '../../support/catalogServer.ts';
import { RUN_G, RUN_M, dashboardConfig, seedCatalog } from './seedCatalog.ts';

type Snapshot = { overview: DashboardOverview; activity: ActivityItem[]; actions?: { csrf: string } };

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

  describe('signing in (finding 10)', () => {
    /** The sign-in page as a browser gets it: the form's anti-forgery value and its cookie. */
    async function loginForm(): Promise<{ csrf: string; cookie: string }> {
      const page = await get('/');
      const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1];
      const cookie = page.headers.get('set-cookie')?.split(';')[0];
      expect(csrf).toBeDefined();
      expect(cookie).toBe(`landfall_csrf_${server.port}=${csrf}`);
      return { csrf: csrf!, cookie: cookie! };
    }
    const postLogin = (body: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(new URL('/login', server.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(body).toString(),
        redirect: 'manual',
      });
    const sessionCookie = (response: Response) =>
      response.headers
        .getSetCookie()
        .find((cookie) => cookie.startsWith(`landfall_session_${server.port}=`))
        ?.split(';')[0];

    it('signs in through its own form: the anti-forgery value and its cookie match', async () => {
      // Prepare
      const form = await loginForm();
      // Act
      const response = await postLogin({ token: tokens.teams.genomics!, csrf: form.csrf }, { cookie: form.cookie });
      // Assess
      expect(response.status).toBe(303);
      const cookie = sessionCookie(response);
      expect(response.headers.getSetCookie().join()).toMatch(/Max-Age=86400/);
      expect((await get('/api/overview', { cookie: cookie! })).status).toBe(200);
    });

    it.each<{ case: string; headers: Record<string, string>; withForm: boolean }>([
      {
        case: 'a form posted from another site',
        headers: { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' },
        withForm: false,
      },
      {
        case: 'a form from another local page (another port)',
        headers: { origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' },
        withForm: true,
      },
      { case: 'a post without the form’s value', headers: {}, withForm: false },
    ])('refuses $case with 403 and starts no session (login CSRF)', async ({ headers, withForm }) => {
      // Prepare: even a valid token and, where a page could have it, the victim's own form cookie
      const form = withForm ? await loginForm() : undefined;
      // Act
      const response = await postLogin(
        { token: tokens.teams.microbio!, ...(form && { csrf: form.csrf }) },
        { ...headers, ...(form && { cookie: form.cookie }) },
      );
      // Assess
      expect(response.status).toBe(403);
      expect(sessionCookie(response)).toBeUndefined();
      expect(await response.text()).toContain('Sign-in refused');
    });

    it('refuses a ?token= sign-in link followed from another site', async () => {
      // Act
      const response = await get(`/?token=${encodeURIComponent(tokens.teams.microbio!)}`, { 'sec-fetch-site': 'cross-site' });
      // Assess
      expect(response.status).toBe(403);
      expect(sessionCookie(response)).toBeUndefined();
    });

    it('ends a session after its idle time and after its maximum age', async () => {
      // Prepare: a second server on a clock the test moves
      let now = Date.parse('2026-12-01T08:00:00Z');
      const timed = await startDashboardServer({
        catalog: test.client(),
        config: dashboardConfig,
        stateDir,
        busLogFile: busLog,
        sessions: { idleMs: 60_000, maxAgeMs: 300_000, now: () => now },
      });
      try {
        const signInTo = async () =>
          (await fetch(new URL(`/?token=${encodeURIComponent(tokens.operator)}`, timed.url), { redirect: 'manual' })).headers
            .get('set-cookie')!
            .split(';')[0]!;
        const status = async (cookie: string) => (await fetch(new URL('/api/overview', timed.url), { headers: { cookie } })).status;
        // Act + Assess: used every 50 s it lives until its maximum age, then ends
        const busy = await signInTo();
        for (let minute = 1; minute <= 5; minute++) {
          now += 50_000;
          expect(await status(busy)).toBe(now - Date.parse('2026-12-01T08:00:00Z') < 300_000 ? 200 : 401);
        }
        now += 60_000;
        expect(await status(busy)).toBe(401);
        // Left alone past its idle time it ends
        const idle = await signInTo();
        now += 59_000;
        expect(await status(idle)).toBe(200);
        now += 60_000;
        expect(await status(idle)).toBe(401);
      } finally {
        await timed.close();
      }
    });
  });

  it('answers a malformed percent-escape with 400, not 500', async () => {
    // Act
    const response = await get('/api/runs/%E0%A4%A/x', { authorization: `Bearer ${tokens.operator}` });
    // Assess
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('malformed percent-escape');
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

  it('answers the browser’s favicon request with the page’s icon, not a 404 (issue 19 defect 9)', async () => {
    const icon = await get('/favicon.ico');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toContain('<svg');
    expect(await (await get('/')).text()).not.toContain('favicon'); // the sign-in page needs none; the dashboard links it
  });
});

describe('dashboard actions and downloads (issue 19)', () => {
  let test: Awaited<ReturnType<typeof startTestCatalog>>;
  let stateDir: string;
  let tokens: TokensFile;
  let server: DashboardServer;
  let storage: FolderStorage;
  const published: BusEvent[] = [];
  const buckets = bucketNames(dashboardConfig);

  beforeAll(async () => {
    test = await startTestCatalog();
    await seedCatalog(test.catalog);
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-dashboard-actions-'));
    tokens = await ensureTokens(stateDir, dashboardConfig);
    storage = new FolderStorage(path.join(stateDir, 'buckets'));
    for (const bucket of [buckets.landing, buckets.results]) await storage.createBucket(bucket);
    await storage.put(buckets.landing, `incoming/genomics/${RUN_G}/S1_S1_L001_R1_001.fastq.gz`, '@r\nACGT\n+\nIIII\n');
    await storage.put(buckets.landing, `incoming/genomics/${RUN_G}/S1_S1_L001_R2_001.fastq.gz`, '@r\nTTTT\n+\nIIII\n');
    await storage.put(buckets.landing, `incoming/genomics/OTHER_RUN/x.fastq.gz`, 'other run');
    await storage.put(buckets.results, `teams/genomics/runs/${RUN_G}/samples/S1/v2/qc/qc.json`, '{"reads":10}\n');
    await storage.put(buckets.results, `teams/genomics/runs/${RUN_G}/report/report.html`, '<h1>report</h1>');
    server = await startDashboardServer({
      catalog: test.client(),
      config: dashboardConfig,
      stateDir,
      busLogFile: path.join(stateDir, 'bus', 'events.jsonl'),
      refreshMs: 100,
      services: {
        config: dashboardConfig,
        catalog: test.client(),
        storage,
        events: { publish: async (events) => void published.push(...events) },
        // Collaborators of readStepLog this file does not reach (the browser test reads a real job's log)
        jobs: { describe: async () => undefined, terminate: async () => undefined } as never,
        jobLogs: { readAttemptLog: async () => undefined },
        // What cancel stops: the seeded running sample has no execution or job id, so nothing of these is called
        workflows: { stopExecution: async () => undefined } as never,
        metrics: {} as never,
        capacity: {} as never,
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await test?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  /** A browser's session: its cookie and what its page got in its snapshot. */
  async function session(token: string): Promise<{ cookie: string; snapshot: Snapshot }> {
    const response = await fetch(new URL(`/?token=${encodeURIComponent(token)}`, server.url), { redirect: 'manual' });
    const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
    const snapshot = (await (await fetch(new URL('/api/overview', server.url), { headers: { cookie } })).json()) as Snapshot;
    return { cookie, snapshot };
  }
  const act = async (action: string, body: unknown, headers: Record<string, string>) => {
    const response = await fetch(new URL(`/api/actions/${action}`, server.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { error?: string; message?: string } };
  };
  const reprocessS1 = { team: 'genomics', runId: RUN_G, sampleId: 'S1', fromStep: 'trim' };

  it('gives a team session no anti-forgery value and refuses its actions with 403, even with a forged one', async () => {
    // Prepare
    const team = await session(tokens.teams.genomics!);
    const operator = await session(tokens.operator);
    published.length = 0;
    // Act
    const forged = await act('reprocess', reprocessS1, { cookie: team.cookie, 'x-csrf-token': operator.snapshot.actions!.csrf });
    const plain = await act('reprocess', reprocessS1, { cookie: team.cookie });
    // Assess
    expect(team.snapshot.actions).toBeUndefined();
    expect(forged).toEqual({ status: 403, body: { error: expect.stringContaining('team genomics cannot act from the dashboard') } });
    expect(plain.status).toBe(403);
    expect(published).toEqual([]);
  });

  it.each<{ case: string; headers: (csrf: string) => Record<string, string>; cookie: boolean }>([
    { case: 'without the anti-forgery token', headers: () => ({}), cookie: true },
    // Its last character changed: to 'x', or to 'y' when it was an 'x' (else the "wrong" token is the right one).
    {
      case: 'with a wrong anti-forgery token',
      headers: (csrf) => ({ 'x-csrf-token': `${csrf.slice(0, -1)}${csrf.endsWith('x') ? 'y' : 'x'}` }),
      cookie: true,
    },
    {
      case: 'from another site, token and all',
      headers: (csrf) => ({ 'x-csrf-token': csrf, origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' }),
      cookie: true,
    },
    {
      case: 'by the operator’s bearer token with no page session',
      headers: () => ({ authorization: `Bearer ${tokens.operator}` }),
      cookie: false,
    },
  ])('refuses an operator action $case (403) and sends nothing', async ({ headers, cookie }) => {
    // Prepare
    const operator = await session(tokens.operator);
    published.length = 0;
    // Act
    const answer = await act('reprocess', reprocessS1, {
      ...(cookie && { cookie: operator.cookie }),
      ...headers(operator.snapshot.actions!.csrf),
    });
    // Assess
    expect(answer.status).toBe(403);
    expect(published).toEqual([]);
  });

  it('reprocesses a sample from a step for the operator’s page, with the anti-forgery token', async () => {
    // Prepare
    const operator = await session(tokens.operator);
    published.length = 0;
    // Act
    const answer = await act('reprocess', reprocessS1, { cookie: operator.cookie, 'x-csrf-token': operator.snapshot.actions!.csrf });
    // Assess
    expect(answer).toEqual({ status: 202, body: { message: `Reprocess requested for genomics/${RUN_G}/S1 from step trim.` } });
    expect(published).toEqual([
      expect.objectContaining({
        source: 'landfall',
        'detail-type': 'Reprocess Requested',
        detail: expect.objectContaining({ team: 'genomics', runId: RUN_G, sampleId: 'S1', fromStep: 'trim' }),
      }),
    ]);
  });

  it.each<{ case: string; body: Record<string, string>; status: number; error: string }>([
    { case: 'a step the pipeline lacks', body: { ...reprocessS1, fromStep: 'bogus' }, status: 404, error: 'has no step bogus' },
    { case: 'a rejected sample', body: { team: 'genomics', runId: RUN_G, sampleId: 'S3' }, status: 409, error: 'v1 is REJECTED' },
    {
      case: 'an unknown sample',
      body: { team: 'genomics', runId: RUN_G, sampleId: 'S9' },
      status: 404,
      error: 'known samples: S1, S2, S3, S4',
    },
    {
      case: 'an unknown team',
      body: { team: 'nosuch', runId: RUN_G, sampleId: 'S1' },
      status: 404,
      error: 'known teams: genomics, microbio',
    },
  ])('refuses to reprocess $case with the CLI’s own words, and sends nothing', async ({ body, status, error }) => {
    // Prepare
    const operator = await session(tokens.operator);
    published.length = 0;
    // Act
    const answer = await act('reprocess', body, { cookie: operator.cookie, 'x-csrf-token': operator.snapshot.actions!.csrf });
    // Assess
    expect(answer.status).toBe(status);
    expect(answer.body.error).toContain(error);
    expect(published).toEqual([]);
  });

  it('replays the landed objects of one run, and only those', async () => {
    // Prepare
    const operator = await session(tokens.operator);
    published.length = 0;
    // Act
    const answer = await act(
      'replay',
      { team: 'genomics', runId: RUN_G },
      { cookie: operator.cookie, 'x-csrf-token': operator.snapshot.actions!.csrf },
    );
    // Assess
    expect(answer).toEqual({ status: 202, body: { message: expect.stringContaining(`Replayed 2 landed objects of genomics/${RUN_G}`) } });
    expect(published.map((event) => [event['detail-type'], (event.detail as { key: string }).key])).toEqual([
      ['Object Replayed', `incoming/genomics/${RUN_G}/S1_S1_L001_R1_001.fastq.gz`],
      ['Object Replayed', `incoming/genomics/${RUN_G}/S1_S1_L001_R2_001.fastq.gz`],
    ]);
  });

  it('serves a published output as a download and the run report sandboxed, to identities that may read the team', async () => {
    // Prepare
    const genomics = await session(tokens.teams.genomics!);
    const microbio = await session(tokens.teams.microbio!);
    const file = (key: string, cookie: string) =>
      fetch(new URL(`/api/files?key=${encodeURIComponent(key)}`, server.url), { headers: { cookie } });
    const qc = `teams/genomics/runs/${RUN_G}/samples/S1/v2/qc/qc.json`;
    // Act
    const output = await file(qc, genomics.cookie);
    const report = await file(`teams/genomics/runs/${RUN_G}/report/report.html`, genomics.cookie);
    // Assess
    expect(output.status).toBe(200);
    expect(output.headers.get('content-disposition')).toBe('attachment; filename="qc.json"');
    expect(await output.text()).toBe('{"reads":10}\n');
    expect(report.headers.get('content-disposition')).toBe('inline; filename="report.html"');
    expect(report.headers.get('content-security-policy')).toMatch(/^sandbox;/);
    expect((await file(qc, microbio.cookie)).status).toBe(403);
    expect((await file(`teams/genomics/runs/${RUN_G}/../../microbio/x`, genomics.cookie)).status).toBe(400);
    expect((await file('publishing/exec/qc/x', genomics.cookie)).status).toBe(400);
    expect((await file(`teams/genomics/runs/${RUN_G}/nothing.txt`, genomics.cookie)).status).toBe(404);
  });

  it('answers a step log request with the CLI’s words for an unknown step, and refuses another team’s', async () => {
    // Prepare
    const genomics = await session(tokens.teams.genomics!);
    const microbio = await session(tokens.teams.microbio!);
    const log = async (pathname: string, cookie: string) => {
      const response = await fetch(new URL(pathname, server.url), { headers: { cookie } });
      return { status: response.status, body: await response.text() };
    };
    // Act
    const unknown = await log(`/api/logs/genomics/${RUN_G}/S1/align`, genomics.cookie);
    const otherTeam = await log(`/api/logs/genomics/${RUN_G}/S1/qc`, microbio.cookie);
    const badAttempt = await log(`/api/logs/genomics/${RUN_G}/S1/qc?attempt=0`, genomics.cookie);
    // Assess
    expect(unknown).toEqual({ status: 404, body: expect.stringContaining('has no step align; steps that ran: qc, trim') });
    expect(otherTeam).toEqual({ status: 403, body: expect.stringContaining("team microbio cannot read team genomics's data") });
    expect(badAttempt.status).toBe(400);
  });

  it('cancels a running sample with `landfall cancel`’s own function, and refuses a finished one with its words', async () => {
    // Prepare
    const operator = await session(tokens.operator);
    const headers = { cookie: operator.cookie, 'x-csrf-token': operator.snapshot.actions!.csrf };
    // Act
    const finished = await act('cancel', { team: 'genomics', runId: RUN_G, sampleId: 'S1' }, headers);
    const running = await act('cancel', { team: 'genomics', runId: RUN_G, sampleId: 'S2' }, headers);
    // Assess
    expect(finished.status).toBe(409);
    expect(finished.body.error).toContain('v2 is COMPLETED: only a sample on its way');
    expect(running).toEqual({ status: 202, body: { message: `Cancelled 1 sample of genomics/${RUN_G}/S2.` } });
    expect(await test.catalog.samples.get({ team: 'genomics', runId: RUN_G, sampleId: 'S2' })).toMatchObject({ status: 'CANCELLED' });
  });
});
