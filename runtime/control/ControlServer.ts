import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BusEvent, EventPublisher } from '../../seams/events/EventPublisher.ts';
import { landingTeamPrefix } from '../../contracts/keys.ts';
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

/**
 * The embedded runtime's PutEvents: `POST /events` with `{ "Entries": [event, ...] }` publishes onto the
 * local bus, as `aws events put-events` does in AWS. CLI commands that act (reprocess, replay) and tests
 * from other processes use it. Bound to 127.0.0.1 only; it requires a token from tokens.json: the operator's
 * publishes anything, a team's only that team's reprocess and replay requests ({@link refusalFor}).
 */
export async function startControlServer(options: { bus: EventPublisher; stateDir: string; port?: number }): Promise<ControlServer> {
  const server: Server = createServer((request, response) => {
    void (async () => {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      const identity = token ? await resolveIdentity(options.stateDir, token, { anonymous: 'refuse' }).catch(() => undefined) : undefined;
      if (!identity)
        return reply(response, 401, { error: 'a token from <state-dir>/tokens.json is required (Authorization: Bearer <token>)' });
      if (request.method === 'GET' && request.url === '/health') return reply(response, 200, { ok: true });
      if (request.method !== 'POST' || request.url !== '/events')
        return reply(response, 404, { error: `no ${request.method} ${request.url}; use POST /events` });
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
