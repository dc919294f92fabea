import { readFile } from 'node:fs/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { tableNames } from '../config/defineConfig.ts';
import { loadConfig } from '../config/loadConfig.ts';
import type { LandfallConfig } from '../config/schema.ts';
import { Catalog } from '../functions/catalog/Catalog.ts';
import { FolderStorage } from '../seams/storage/FolderStorage.ts';
import { stateLayout, type RuntimeInfo } from '../runtime/stateLayout.ts';
import { CliError, EXIT } from './errors.ts';
import { resolveIdentity, TOKEN_ENV, tokensPath, type Identity } from '../runtime/identity/identity.ts';

export interface RuntimeClient {
  info: RuntimeInfo;
  config: LandfallConfig;
  catalog: Catalog;
  storage: FolderStorage;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Connects read commands to the live runtime of a state dir through its runtime.json, or explains why not. */
export async function connectToRuntime(stateDir: string, configPath?: string): Promise<RuntimeClient> {
  const layout = stateLayout(stateDir);
  let info: RuntimeInfo;
  try {
    info = JSON.parse(await readFile(layout.runtimeFile, 'utf8')) as RuntimeInfo;
  } catch {
    throw new CliError(`no runtime at ${layout.root} (start one with: landfall up --state-dir ${stateDir})`, EXIT.usage);
  }
  if (!alive(info.pid))
    throw new CliError(
      `no runtime at ${layout.root}: runtime.json names pid ${info.pid}, which is not running (start one with: landfall up)`,
      EXIT.usage,
    );
  const { config } = await loadConfig(configPath ?? info.configPath);
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${info.ports.catalog}`,
    region: config.homeRegion,
    credentials: info.catalogCredentials,
  });
  return { info, config, catalog: new Catalog(tableNames(config).catalog, client), storage: new FolderStorage(layout.buckets) };
}

/** A runtime client that knows who is asking: what read commands use to scope every listing and lookup. */
export interface IdentifiedClient extends RuntimeClient {
  identity: Identity;
}

/**
 * Connects like {@link connectToRuntime} and resolves the caller's identity (`token`, else LANDFALL_TOKEN,
 * else the operator; an unknown token is exit 2), for read commands.
 *
 * @example
 * const client = await connectAs(options.stateDir, options.config, options.token);
 * for (const team of selectTeams(client.identity, client.config, options.team)) …
 */
export async function connectAs(stateDir: string, configPath?: string, token?: string): Promise<IdentifiedClient> {
  const identity = await resolveIdentity(stateDir, token);
  return { ...(await connectToRuntime(stateDir, configPath)), identity };
}

/**
 * Publishes events on the live runtime's bus (its local PutEvents) as the caller: with the token it gave
 * (`--token` or LANDFALL_TOKEN; the control server lets a team token publish only its own team's requests),
 * else as the operator, whose token the local user reads from tokens.json.
 */
/** The bearer a command acts with: `--token`, else LANDFALL_TOKEN, else the operator's (the local user reads tokens.json). */
async function bearerOf(client: RuntimeClient, token?: string): Promise<string> {
  const given = token ?? process.env[TOKEN_ENV];
  return given ? given : (JSON.parse(await readFile(tokensPath(client.info.stateDir), 'utf8')) as { operator: string }).operator;
}

/**
 * Calls a route of the live runtime's control API (runtime/control/ControlServer.ts) as the caller and returns
 * its JSON answer. A refusal (unknown name 404, cannot apply 409, another team's data 403) is a CliError with
 * the server's reason, exit 1: the request was understood and is not accepted.
 */
export async function controlRequest<T>(
  client: RuntimeClient,
  route: { method: 'GET' | 'POST'; path: string; body?: unknown },
  token?: string,
): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${client.info.ports.control}${route.path}`, {
    method: route.method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await bearerOf(client, token)}` },
    ...(route.body !== undefined && { body: JSON.stringify(route.body) }),
  });
  const text = await response.text();
  if (!response.ok) {
    const reason = (() => {
      try {
        return (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        return text;
      }
    })();
    throw new CliError(response.status === 401 ? `the runtime refused the token: ${reason}` : reason, EXIT.failed);
  }
  return JSON.parse(text) as T;
}

export async function putEvents(
  client: RuntimeClient,
  events: Array<{ source: string; 'detail-type': string; detail: Record<string, unknown>; resources?: string[] }>,
  token?: string,
): Promise<void> {
  const bearer = await bearerOf(client, token);
  for (let start = 0; start < events.length; start += 10) {
    const response = await fetch(`http://127.0.0.1:${client.info.ports.control}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ Entries: events.slice(start, start + 10) }),
    });
    if (!response.ok) throw new CliError(`the runtime refused the events (${response.status}): ${await response.text()}`, EXIT.failed);
  }
}
