import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BusEvent, EventPublisher } from '../../seams/events/EventPublisher.ts';
import { landfallEvent } from '../../contracts/events/landfall.ts';
import { landingTeamPrefix } from '../../contracts/keys.ts';
import { cancelSamples } from '../../functions/operate/cancelSamples.ts';
import { checkReprocess, type ReprocessRequest } from '../../functions/operate/checkReprocess.ts';
import { RequestError } from '../../functions/operate/errors.ts';
import { readStepLog } from '../../functions/operate/readStepLog.ts';
import type { Services } from '../../functions/shared/services.ts';
import { resolveIdentity, type Identity } from '../identity/identity.ts';

export interface ControlServer {
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

async function readJson(request: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body over 1 MiB');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** The request body as a JSON object, or a 400. */
async function readObject(request: IncomingMessage): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await readJson(request);
  } catch (error) {
    throw new Reply(400, `body is not JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Reply(400, 'body must be a JSON object');
  return body as Record<string, unknown>;
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** What a team's token may put on the bus: its own reprocess and replay requests, nothing else. */
const TEAM_DETAIL_TYPES = new Set(['Reprocess Requested', 'Object Replayed']);

/**
 * Why `identity` may not publish `event`, or undefined when it may. The operator may publish anything; a
 * team only `landfall reprocess`/`replay` requests about its own team (a replayed key inside its own
 * `incoming/<team>/`), in the same words whether or not the other team exists.
 */
export function refusalFor(identity: Identity, event: BusEvent): string | undefined {
  if (identity.kind === 'operator') return undefined;
  const detail = event.detail as { team?: unknown; key?: unknown };
  if (event.source !== 'landfall' || !TEAM_DETAIL_TYPES.has(event['detail-type']))
    return `a team token may only request reprocessing and replays, not "${event['detail-type']}" from ${event.source}`;
  const team = typeof detail.team === 'string' ? detail.team : '(none)';
  if (
    team !== identity.team ||
    (event['detail-type'] === 'Object Replayed' && !String(detail.key).startsWith(landingTeamPrefix(identity.team)))
  )
    return `team ${identity.team} cannot act on team ${team}'s data (use that team's token, or the operator's)`;
  return undefined;
}

/** What the control API's request routes read and act through: the runtime's own services. */
export type ControlServices = Services;

/** An answer with a status, thrown by a route to end the request there. */
class Reply extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A team token acts on its own team only (in the same words whether or not the other team exists). */
function authorizeTeam(identity: Identity, team: string): void {
  if (identity.kind !== 'operator' && identity.team !== team)
    throw new Reply(403, `team ${identity.team} cannot act on team ${team}'s data (use that team's token, or the operator's)`);
}

function needServices(services: ControlServices | undefined): ControlServices {
  if (!services) throw new Reply(503, 'this control server was started without the runtime services');
  return services;
}

function stringField(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = body[name];
  if (value === undefined || value === null || value === '') {
    if (required) throw new Reply(400, `${name} is required`);
    return undefined;
  }
  if (typeof value !== 'string') throw new Reply(400, `${name} must be a string`);
  return value;
}

/**
 * The embedded runtime's control API, bound to 127.0.0.1 and requiring a token from tokens.json (the operator's
 * acts on anything, a team's on its own team only). The CLI's act and log commands and the dashboard's actions
 * use it; each route runs the same domain function the AWS side would (functions/operate/):
 * - `POST /events` with `{ "Entries": [event, ...] }`: the local PutEvents ({@link refusalFor} limits team tokens).
 * - `POST /reprocess` with a {@link ReprocessRequest}: checked by checkReprocess BEFORE it is accepted (404
 *   unknown name, 409 cannot apply, each with the known names or the reason), then published as
 *   "Reprocess Requested"; answers 202 with the samples it re-runs and those it skips.
 * - `POST /cancel` with `{team, runId, sampleId?}`: cancelSamples (executions stopped, jobs terminated, CANCELLED).
 * - `GET /logs?team&run&sample[&step][&attempt][&after]`: one page of a step job's log (readStepLog).
 */
export async function startControlServer(options: {
  bus: EventPublisher;
  stateDir: string;
  port?: number;
  services?: ControlServices;
}): Promise<ControlServer> {
  const reprocess = async (identity: Identity, body: Record<string, unknown>) => {
    const request: ReprocessRequest = {
      team: stringField(body, 'team', true)!,
      runId: stringField(body, 'runId', true)!,
      ...(stringField(body, 'sampleId', false) !== undefined && { sampleId: stringField(body, 'sampleId', false) }),
      ...(stringField(body, 'fromStep', false) !== undefined && { fromStep: stringField(body, 'fromStep', false) }),
      ...(stringField(body, 'pipeline', false) !== undefined && { pipeline: stringField(body, 'pipeline', false) }),
      ...(body.urgent === true && { urgent: true }),
    };
    authorizeTeam(identity, request.team);
    const plan = await checkReprocess(needServices(options.services), request);
    const detail = { ...request, dedupeKey: `reprocess:${randomUUID()}` };
    await options.bus.publish([landfallEvent('Reprocess Requested', detail) as BusEvent]);
    return { status: 202, body: { accepted: detail, reprocess: plan.targets.map((target) => target.sampleId), skipped: plan.skipped } };
  };

  const cancel = async (identity: Identity, body: Record<string, unknown>) => {
    const team = stringField(body, 'team', true)!;
    const runId = stringField(body, 'runId', true)!;
    const sampleId = stringField(body, 'sampleId', false);
    authorizeTeam(identity, team);
    const by = identity.kind === 'operator' ? 'the operator' : `team ${identity.team}`;
    const result = await cancelSamples(needServices(options.services), { team, runId, ...(sampleId !== undefined && { sampleId }), by });
    return { status: 200, body: result };
  };

  const logs = async (identity: Identity, query: URLSearchParams) => {
    const field = (name: string) => stringField(Object.fromEntries(query), name, false);
    const [team, runId, sampleId] = [field('team'), field('run'), field('sample')];
    if (!team || !runId || !sampleId) throw new Reply(400, 'team, run and sample are required');
    authorizeTeam(identity, team);
    const attempt = field('attempt');
    if (attempt !== undefined && !/^\d+$/.test(attempt)) throw new Reply(400, `attempt must be a whole number, got ${attempt}`);
    const page = await readStepLog(needServices(options.services), {
      team,
      runId,
      sampleId,
      ...(field('step') !== undefined && { step: field('step') }),
      ...(attempt !== undefined && { attempt: Number(attempt) }),
      ...(field('after') !== undefined && { after: field('after') }),
    });
    return { status: 200, body: page };
  };

  const server: Server = createServer((request, response) => {
    void (async () => {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      const identity = token ? await resolveIdentity(options.stateDir, token, { anonymous: 'refuse' }).catch(() => undefined) : undefined;
      if (!identity)
        return reply(response, 401, { error: 'a token from <state-dir>/tokens.json is required (Authorization: Bearer <token>)' });
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const route = `${request.method} ${url.pathname}`;
      if (route === 'GET /health') return reply(response, 200, { ok: true });
      try {
        if (route === 'GET /logs') {
          const answer = await logs(identity, url.searchParams);
          return reply(response, answer.status, answer.body);
        }
        if (route === 'POST /cancel') {
          const answer = await cancel(identity, await readObject(request));
          return reply(response, answer.status, answer.body);
        }
        if (route === 'POST /reprocess') {
          const answer = await reprocess(identity, await readObject(request));
          return reply(response, answer.status, answer.body);
        }
      } catch (error) {
        if (error instanceof Reply) return reply(response, error.status, { error: error.message });
        if (error instanceof RequestError) return reply(response, error.problem === 'unknown' ? 404 : 409, { error: error.message });
        throw error;
      }
      if (route !== 'POST /events')
        return reply(response, 404, {
          error: `no ${request.method} ${url.pathname}; use POST /events, POST /reprocess, POST /cancel or GET /logs`,
        });
      let body: { Entries?: unknown };
      try {
        body = (await readJson(request)) as { Entries?: unknown };
      } catch (error) {
        return reply(response, 400, { error: `body is not JSON: ${(error as Error).message}` });
      }
      const entries = body.Entries;
      if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10)
        return reply(response, 400, { error: 'expected { "Entries": [1..10 events] }' });
      for (const [index, entry] of entries.entries()) {
        const event = entry as Partial<BusEvent>;
        if (
          typeof event.source !== 'string' ||
          typeof event['detail-type'] !== 'string' ||
          typeof event.detail !== 'object' ||
          event.detail === null
        ) {
          return reply(response, 400, { error: `Entries[${index}] needs source, detail-type and an object detail` });
        }
        const refused = refusalFor(identity, event as BusEvent);
        if (refused) return reply(response, 403, { error: `Entries[${index}]: ${refused}` });
      }
      await options.bus.publish(entries as BusEvent[]);
      return reply(response, 200, { FailedEntryCount: 0 });
    })().catch((error: unknown) => reply(response, 500, { error: (error as Error).message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // keep-alive clients (the CLI, tests) must not hold the shutdown
      }),
  };
}
