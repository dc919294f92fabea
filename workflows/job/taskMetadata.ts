/**
 * How stage-out learns what the job's other containers did. In AWS it asks the ECS task metadata endpoint
 * (`${ECS_CONTAINER_METADATA_URI_V4}/task`, Amazon ECS Developer Guide, "Amazon ECS task metadata V4 JSON
 * response"): each container's name, status, exit code and log options. The embedded runtime's task runner
 * serves the same document for its host processes, so stage-out has one code path.
 *
 * Why stage-out asks at all: it depends on the tool with condition COMPLETE, not SUCCESS. With SUCCESS a
 * failed tool leaves the dependent container unable to start; ECS agents before PR #3218 (2022) left such
 * tasks PENDING for ever (aws/containers-roadmap#817, whose workaround this is), later ones stop them with exit
 * code 143. With COMPLETE, stage-out runs whenever the tool ran, reads the tool's exit code here, records the
 * failure with the tool's last output lines and exits with the tool's own code. When stage-in failed the tool
 * never starts, and ECS then never starts stage-out either (a dependency that will never start): stage-in records
 * its own failure (stageIn.ts).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { LOG_TAIL_LINES } from '../../contracts/jobPayload.ts';

// require, not import: an ES module import of node:http materializes every export, which loads undici,
// crypto and zlib (about 25 ms of every stage-out's start).
const { get } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

/** Environment variable ECS sets in every container of a task (and the local task runner likewise). */
export const METADATA_ENV = 'ECS_CONTAINER_METADATA_URI_V4';

/** Log driver the embedded runtime's task runner reports; its `LogOptions` name the file holding the tail. */
export const LOCAL_LOG_DRIVER = 'landfall-local';
/** `LogOptions` key of {@link LOCAL_LOG_DRIVER}: a file with the container's last stderr lines. */
export const LOCAL_LOG_TAIL_OPTION = 'landfall-log-tail';

/** One container of the task, as the metadata endpoint describes it. */
export interface TaskContainerState {
  name: string;
  knownStatus?: string;
  /** Absent while the container runs or when it never started. */
  exitCode?: number;
  logDriver?: string;
  logOptions?: Record<string, string>;
}

interface MetadataContainer {
  Name?: string;
  KnownStatus?: string;
  ExitCode?: number;
  LogDriver?: string;
  LogOptions?: Record<string, string>;
}

/**
 * The task's containers from the metadata endpoint.
 *
 * @throws Error when the endpoint is not set (the program is not running as a container of a task) or answers badly
 */
export async function readTaskContainers(env: Record<string, string | undefined> = process.env): Promise<TaskContainerState[]> {
  const base = env[METADATA_ENV];
  if (!base) throw new Error(`${METADATA_ENV} is not set: stage-out runs as a container of a step job's task`);
  const task = (await getJson(`${base.replace(/\/$/, '')}/task`)) as { Containers?: MetadataContainer[] };
  return (task.Containers ?? []).map((container) => ({
    name: container.Name ?? '',
    ...(container.KnownStatus !== undefined && { knownStatus: container.KnownStatus }),
    ...(typeof container.ExitCode === 'number' && { exitCode: container.ExitCode }),
    ...(container.LogDriver !== undefined && { logDriver: container.LogDriver }),
    ...(container.LogOptions !== undefined && { logOptions: container.LogOptions }),
  }));
}

/**
 * GET of a JSON document over plain HTTP (the endpoint is link-local in ECS, loopback locally). `node:http`
 * rather than `fetch`: loading fetch's undici costs every stage-out more than the request itself.
 */
function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = get(url, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        if (response.statusCode !== 200) return reject(new Error(`task metadata ${url} answered HTTP ${response.statusCode}`));
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(new Error(`task metadata ${url} answered with a body that is not JSON: ${(error as Error).message}`));
        }
      });
    });
    request.on('error', reject);
  });
}

/**
 * The last `lines` lines a container wrote: from CloudWatch Logs for the `awslogs` driver (the tool's log stream
 * holds its stdout and stderr together), from the task runner's tail file on the embedded runtime (stderr).
 * Never throws: a tail that cannot be read says why in its one line.
 */
export async function containerLogTail(container: TaskContainerState, lines = LOG_TAIL_LINES): Promise<string[]> {
  try {
    if (container.logDriver === LOCAL_LOG_DRIVER) {
      const file = container.logOptions?.[LOCAL_LOG_TAIL_OPTION];
      if (!file) return [`(no ${LOCAL_LOG_TAIL_OPTION} log option for container ${container.name})`];
      return lastLines(await readFile(file, 'utf8'), lines);
    }
    if (container.logDriver === 'awslogs') {
      const group = container.logOptions?.['awslogs-group'];
      const stream = container.logOptions?.['awslogs-stream'];
      if (!group || !stream) return [`(container ${container.name} logs to awslogs without a group and stream in its options)`];
      const { CloudWatchLogsClient, GetLogEventsCommand } = await import('@aws-sdk/client-cloudwatch-logs');
      const client = new CloudWatchLogsClient({ region: container.logOptions?.['awslogs-region'] });
      const answer = await client.send(
        new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, limit: lines, startFromHead: false }),
      );
      return lastLines((answer.events ?? []).map((event) => event.message ?? '').join('\n'), lines);
    }
    return [`(container ${container.name} logs with driver ${container.logDriver ?? 'none'}: no tail available)`];
  } catch (error) {
    return [`(could not read the log of container ${container.name}: ${error instanceof Error ? error.message : String(error)})`];
  }
}

/** Longest line kept of a failing container's output: a catalog item must stay small. */
export const LOG_LINE_MAX = 400;

/** The last `count` non-empty lines of `text`, each cut to {@link LOG_LINE_MAX} characters. */
export function lastLines(text: string, count = LOG_TAIL_LINES): string[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .slice(-count)
    .map((line) => (line.length > LOG_LINE_MAX ? `${line.slice(0, LOG_LINE_MAX - 1)}…` : line));
}
