import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bucketNames } from '../../config/defineConfig.ts';
import type { LandfallConfig } from '../../config/schema.ts';
import { runReportPrefix, teamPrefix } from '../../contracts/keys.ts';
import { RequestError } from '../../functions/operate/errors.ts';
import { readStepLog } from '../../functions/operate/readStepLog.ts';
import type { Catalog } from '../../functions/catalog/Catalog.ts';
import { IdentityError } from '../identity/errors.ts';
import { assertCanRead, resolveIdentity, visibleTeams, type Identity } from '../identity/identity.ts';
import { BusLogTail } from './activity.ts';
import { ActionRequests, type DashboardAction, type DashboardServices, performAction } from './actions.ts';
import { DashboardSessions, type DashboardSessionsOptions } from './DashboardSessions.ts';
import { DashboardData } from './gatherDashboard.ts';

const publicDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'public');
const ASSETS: Record<string, string> = {
  '/assets/dashboard.css': 'text/css; charset=utf-8',
  '/assets/dashboard.js': 'text/javascript; charset=utf-8',
  '/assets/favicon.svg': 'image/svg+xml',
};
/** The header an action's anti-forgery value comes in (never a cookie: a cookie is sent by any page). */
const CSRF_HEADER = 'x-csrf-token';

// Everything the page loads comes from this server: no CDN, no inline script, nothing framed.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  // Never pass a URL on to another site (the first request may carry ?token=…, answered with a redirect).
  // Not no-referrer: under it browsers send `Origin: null` with the page's own form posts, which the
  // sign-in's cross-site check must refuse.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

export interface DashboardServerOptions {
  catalog: Catalog;
  config: LandfallConfig;
  /** The state dir: tokens.json (identities) and bus/events.jsonl (activity). */
  stateDir: string;
  busLogFile: string;
  port?: number;
  /** How often an open page's stream re-reads the catalog. @default 500 */
  refreshMs?: number;
  /** When sign-in sessions end (idle, maximum age). @default 8 hours idle, 24 hours in all */
  sessions?: DashboardSessionsOptions;
  /**
   * What the operator's actions (reprocess, replay) and downloads use: the bus they publish on and the buckets
   * outputs and run reports are read from, the job-log seam step logs come from. Without it the dashboard
   * only reads the catalog.
   */
  services?: DashboardServices;
}

export interface DashboardServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * The dashboard: a page and its JSON on 127.0.0.1, for the same identities as the CLI (a team token sees its
 * team, the operator's sees all; no token, no data). Signing in takes a token once (`/?token=…` or the
 * form) and keeps an HttpOnly session cookie; scripts may send `Authorization: Bearer <token>` instead.
 * The page follows `/api/stream` (Server-Sent Events): a new snapshot whenever what it shows changed.
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const data = new DashboardData(options.catalog, options.config);
  const tail = new BusLogTail(options.busLogFile);
  const sessions = new DashboardSessions(options.sessions);
  const streams = new Set<ServerResponse>();
  const refreshMs = options.refreshMs ?? 500;
  const files = new Map<string, string>();
  for (const name of ['index.html', 'login.html', 'dashboard.css', 'dashboard.js', 'favicon.svg'])
    files.set(name, await readFile(path.join(publicDir, name), 'utf8'));
  let port = 0;
  // Cookies are per host, not per port: name the session after the port so two runtimes do not collide.
  const cookieName = () => `landfall_session_${port}`;
  const csrfCookieName = () => `landfall_csrf_${port}`;
  const cookieOf = (request: IncomingMessage, name: string) =>
    (request.headers.cookie ?? '')
      .split(';')
      .map((part) => part.trim().split('='))
      .find(([candidate]) => candidate === name)?.[1];
  /**
   * Whether a browser sent this request from another site (or another port: another local page). Browsers
   * say so in Sec-Fetch-Site and Origin; a request with neither comes from a script, not a page.
   */
  const crossSite = (request: IncomingMessage) => {
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
    const origin = request.headers.origin;
    return origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`;
  };

  const send = (response: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}) => {
    response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...headers });
    response.end(body);
  };
  const json = (response: ServerResponse, status: number, body: unknown) =>
    send(response, status, 'application/json; charset=utf-8', JSON.stringify(body));
  /**
   * The sign-in form, with a fresh anti-forgery value both in the form and in a SameSite=Strict cookie: a form
   * posted from another site carries neither the cookie nor the value (login CSRF: signing a person's browser
   * into the attacker's team).
   */
  const loginPage = (response: ServerResponse, status: number, message?: string) => {
    const csrf = randomBytes(24).toString('base64url');
    send(
      response,
      status,
      'text/html; charset=utf-8',
      files
        .get('login.html')!
        .replace('<!--message-->', message ? `<p class="error" role="alert" id="login-error">${escapeHtml(message)}</p>` : '')
        .replace('<!--csrf-->', `<input type="hidden" name="csrf" value="${csrf}">`),
      { 'set-cookie': `${csrfCookieName()}=${csrf}; HttpOnly; SameSite=Strict; Path=/` },
    );
  };

  async function signIn(response: ServerResponse, token: string): Promise<void> {
    let identity: Identity;
    try {
      identity = await resolveIdentity(options.stateDir, token, { anonymous: 'refuse' });
    } catch {
      return loginPage(response, 401, 'That token is not known to this runtime. Use a token from tokens.json in the state dir.');
    }
    const id = sessions.create(identity);
    send(response, 303, 'text/plain; charset=utf-8', 'signed in', {
      location: '/',
      'set-cookie': `${cookieName()}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${sessions.maxAgeSeconds}`,
    });
  }

  async function identityOf(request: IncomingMessage): Promise<Identity | undefined> {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (bearer) return resolveIdentity(options.stateDir, bearer, { anonymous: 'refuse' }).catch(() => undefined);
    const session = cookieOf(request, cookieName());
    return session ? sessions.identityOf(session) : undefined;
  }

  /**
   * The session's anti-forgery value, for the operator's signed-in page only: the page reads it from its
   * snapshot (another site's page cannot read a response of this origin) and sends it back with each action.
   */
  const csrfFor = (request: IncomingMessage, identity: Identity) => {
    if (identity.kind !== 'operator' || !options.services) return undefined;
    const session = cookieOf(request, cookieName());
    return session ? sessions.csrfOf(session) : undefined;
  };
  const snapshot = async (identity: Identity, csrf: string | undefined) => ({
    generatedAt: new Date().toISOString(),
    overview: await data.overview(identity),
    activity: tail.visible(identity, visibleTeams(identity, options.config)),
    // Only the operator acts; a team's page gets no action buttons, and the server refuses its POSTs.
    actions: csrf ? { csrf } : undefined,
  });

  async function stream(request: IncomingMessage, response: ServerResponse, identity: Identity): Promise<void> {
    const csrf = csrfFor(request, identity);
    response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    streams.add(response);
    let last = '';
    let closed = false;
    let beat = Date.now();
    request.on('close', () => {
      closed = true;
      streams.delete(response);
    });
    // Each open page re-reads on its own clock; only a changed picture is sent.
    while (!closed) {
      try {
        await tail.poll();
        const next = await snapshot(identity, csrf);
        const body = JSON.stringify({ overview: next.overview, activity: next.activity });
        // The page may have gone (or the runtime stopped) while the catalog was read: never write after the end.
        if (closed || response.writableEnded) break;
        if (body !== last) {
          last = body;
          response.write(`event: snapshot\ndata: ${JSON.stringify(next)}\n\n`);
          beat = Date.now();
        } else if (Date.now() - beat > 15_000) {
          response.write(': still here\n\n');
          beat = Date.now();
        }
      } catch (error) {
        if (closed || response.writableEnded) break;
        response.write(`event: problem\ndata: ${JSON.stringify({ error: (error as Error).message })}\n\n`);
      }
      await new Promise((resolve) => setTimeout(resolve, refreshMs));
    }
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // Only this machine's names: a page elsewhere cannot reach the dashboard through DNS rebinding.
    const host = request.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`)
      return send(response, 421, 'text/plain; charset=utf-8', `the dashboard answers only to 127.0.0.1:${port}`);
    const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
    const method = request.method ?? 'GET';

    if (method === 'GET' && ASSETS[url.pathname])
      return send(response, 200, ASSETS[url.pathname]!, files.get(url.pathname.slice('/assets/'.length))!);
    // Browsers ask for /favicon.ico whatever the page links: answer with the page's icon, not a 404 in every log.
    if (method === 'GET' && url.pathname === '/favicon.ico') return send(response, 200, 'image/svg+xml', files.get('favicon.svg')!);
    // Signing in or out is only ever asked for by this page, or by a link the person opened themselves.
    const signingInOrOut =
      (method === 'GET' && url.pathname === '/' && url.searchParams.has('token')) ||
      (method === 'POST' && (url.pathname === '/login' || url.pathname === '/logout'));
    if (signingInOrOut && crossSite(request))
      return loginPage(
        response,
        403,
        'Sign-in refused: a sign-in or sign-out sent by another site or page is refused. Sign in from this page.',
      );
    if (method === 'GET' && url.pathname === '/' && url.searchParams.has('token'))
      return signIn(response, url.searchParams.get('token') ?? '');
    if (method === 'POST' && url.pathname === '/login') {
      let body: string;
      try {
        body = await readBody(request);
      } catch (error) {
        return loginPage(response, 413, (error as Error).message);
      }
      const form = new URLSearchParams(body);
      const expected = cookieOf(request, csrfCookieName());
      if (!expected || form.get('csrf') !== expected)
        return loginPage(response, 403, 'Sign-in refused: the form expired or did not come from this page. Sign in again.');
      return signIn(response, form.get('token') ?? '');
    }
    if (method === 'POST' && url.pathname === '/logout') {
      const session = cookieOf(request, cookieName());
      if (session) sessions.end(session);
      return send(response, 303, 'text/plain; charset=utf-8', 'signed out', {
        location: '/',
        'set-cookie': `${cookieName()}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`,
      });
    }

    const identity = await identityOf(request);
    if (method === 'GET' && url.pathname === '/')
      return identity ? send(response, 200, 'text/html; charset=utf-8', files.get('index.html')!) : loginPage(response, 200);
    if (!url.pathname.startsWith('/api/')) return send(response, 404, 'text/plain; charset=utf-8', `no ${method} ${url.pathname}`);
    if (!identity)
      return json(response, 401, { error: 'sign in with a token from tokens.json (/?token=…, or Authorization: Bearer <token>)' });
    const actionPath = /^\/api\/actions\/([a-z]+)$/.exec(url.pathname);
    if (method === 'POST' && actionPath) return act(request, response, identity, actionPath[1]!);
    if (method !== 'GET') return json(response, 405, { error: `${method} ${url.pathname}: not an action of the dashboard` });
    if (url.pathname === '/api/overview') {
      await tail.poll();
      return json(response, 200, await snapshot(identity, csrfFor(request, identity)));
    }
    if (url.pathname === '/api/files') return download(response, identity, url.searchParams.get('key') ?? '');
    const logPath = /^\/api\/logs\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (logPath) return stepLog(response, identity, logPath.slice(1) as [string, string, string, string], url.searchParams.get('attempt'));
    if (url.pathname === '/api/stream') return stream(request, response, identity);
    const runPath = /^\/api\/runs\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (runPath) {
      let team: string;
      let runId: string;
      try {
        [team, runId] = [decodeURIComponent(runPath[1]!), decodeURIComponent(runPath[2]!)];
      } catch {
        return json(response, 400, { error: `malformed percent-escape in ${url.pathname}: encode team and run with encodeURIComponent` });
      }
      let timeline;
      try {
        timeline = await data.runTimeline(identity, team, runId);
      } catch (error) {
        if (!(error instanceof IdentityError)) throw error;
        // assertCanRead's refusal: the same words whether or not the other team exists.
        return json(response, 403, { error: (error as Error).message });
      }
      return timeline ? json(response, 200, timeline) : json(response, 404, { error: `no run ${team}/${runId}` });
    }
    return json(response, 404, { error: `no ${method} ${url.pathname}` });
  }

  /**
   * An operator's action from its signed-in page: refused (403) to a team, to a request from another site,
   * and to a request without the session's anti-forgery value; then checked as the CLI checks it.
   */
  async function act(request: IncomingMessage, response: ServerResponse, identity: Identity, action: string): Promise<void> {
    if (identity.kind !== 'operator')
      return json(response, 403, {
        error: `team ${identity.team} cannot act from the dashboard: reprocess, cancel and replay are the operator's`,
      });
    if (!options.services) return json(response, 404, { error: 'this dashboard has no actions (it reads the catalog only)' });
    if (!Object.hasOwn(ActionRequests, action))
      return json(response, 404, { error: `no action ${action}; actions: ${Object.keys(ActionRequests).join(', ')}` });
    if (crossSite(request)) return json(response, 403, { error: 'an action sent by another site or page is refused' });
    const session = cookieOf(request, cookieName());
    const expected = session ? sessions.csrfOf(session) : undefined;
    const given = request.headers[CSRF_HEADER];
    if (!expected || typeof given !== 'string' || !sameSecret(given, expected))
      return json(response, 403, {
        error: `refused: an action needs the signed-in page's anti-forgery token (${CSRF_HEADER}); scripts use the control API (landfall reprocess, landfall cancel, landfall replay)`,
      });
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request));
    } catch (error) {
      return json(response, 400, { error: `the action's body is not JSON: ${(error as Error).message}` });
    }
    const parsed = ActionRequests[action as DashboardAction].safeParse(body);
    if (!parsed.success)
      return json(response, 400, {
        error: `${action} expects ${Object.keys(ActionRequests[action as DashboardAction].shape).join(', ')}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ')}`,
      });
    try {
      return json(response, 202, await performAction(options.services, action as DashboardAction, parsed.data));
    } catch (error) {
      if (error instanceof RequestError) return json(response, error.problem === 'unknown' ? 404 : 409, { error: error.message });
      throw error;
    }
  }

  /**
   * A published output or run report from the results bucket, for an identity that may read its team: a
   * run report opens in the browser (sandboxed: it runs no script), everything else downloads.
   */
  async function download(response: ServerResponse, identity: Identity, key: string): Promise<void> {
    if (!options.services) return json(response, 404, { error: 'this dashboard serves no files (it reads the catalog only)' });
    const team = /^teams\/([^/]+)\//.exec(key)?.[1];
    if (!team || key.split('/').some((part) => part === '..' || part === '.' || part === ''))
      return json(response, 400, { error: `key must be a published file under teams/<team>/, got ${JSON.stringify(key)}` });
    try {
      assertCanRead(identity, team);
    } catch (error) {
      if (error instanceof IdentityError) return json(response, 403, { error: error.message });
      throw error;
    }
    const results = bucketNames(options.config).results;
    const info = await options.services.storage.head(results, key);
    if (!info || !key.startsWith(teamPrefix(team))) return json(response, 404, { error: `no published file ${key}` });
    const name = key.split('/').at(-1)!;
    const report = key.startsWith(runReportPrefix(team, key.split('/')[3] ?? '')) && name === 'report.html';
    response.writeHead(200, {
      ...SECURITY_HEADERS,
      ...(report && { 'content-security-policy': "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:" }),
      'content-type': report ? 'text/html; charset=utf-8' : 'application/octet-stream',
      'content-length': String(info.size),
      'content-disposition': `${report ? 'inline' : 'attachment'}; filename="${name.replace(/[^\w.-]/g, '_')}"`,
    });
    const body = await options.services.storage.get(results, key);
    for await (const chunk of body) response.write(chunk);
    response.end();
  }

  /**
   * What one attempt of a sample's step wrote (stdout and stderr), as plain text: the same readStepLog as
   * `landfall logs`, for an identity that may read the team.
   */
  async function stepLog(
    response: ServerResponse,
    identity: Identity,
    escaped: [string, string, string, string],
    attempt: string | null,
  ): Promise<void> {
    const { services } = options;
    if (!services?.jobs || !services.jobLogs) return json(response, 404, { error: 'this dashboard serves no step logs' });
    let team: string;
    let runId: string;
    let sampleId: string;
    let step: string;
    try {
      [team, runId, sampleId, step] = escaped.map((part) => decodeURIComponent(part)) as [string, string, string, string];
    } catch {
      return json(response, 400, { error: 'malformed percent-escape in the log path: encode each part with encodeURIComponent' });
    }
    if (attempt !== null && !/^[1-9]\d*$/.test(attempt))
      return json(response, 400, { error: `attempt must be 1, 2, …, got ${JSON.stringify(attempt)}` });
    try {
      assertCanRead(identity, team);
      const page = await readStepLog(
        { catalog: services.catalog, jobs: services.jobs, jobLogs: services.jobLogs },
        { team, runId, sampleId, step, ...(attempt !== null && { attempt: Number(attempt) }) },
      );
      const head = `${team}/${runId}/${sampleId} v${page.version} ${page.step}, attempt ${page.attempt} of ${page.attempts} (${page.status.toLowerCase()})`;
      return send(
        response,
        200,
        'text/plain; charset=utf-8',
        `${head}\n\n${page.lines.length > 0 ? page.lines.join('\n') : '(nothing written yet)'}\n${page.finished ? '' : '\n(still running: reload for more, or follow it with npx landfall logs --follow)\n'}`,
      );
    } catch (error) {
      if (error instanceof IdentityError) return json(response, 403, { error: error.message });
      if (error instanceof RequestError) return json(response, error.problem === 'unknown' ? 404 : 409, { error: error.message });
      throw error;
    }
  }

  const server: Server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, { error: (error as Error).message });
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of streams) response.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) {
    body += (chunk as Buffer).toString('utf8');
    if (body.length > 4096) throw new Error('request body over 4 KiB');
  }
  return body;
}

/** Compares two secrets in constant time (a wrong guess learns nothing from how long the answer took). */
function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
