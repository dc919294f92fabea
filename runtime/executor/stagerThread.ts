/**
 * The embedded runtime's stager (started by startStager.ts): runs the stage-in and stage-out phases of step jobs
 * — the very functions the step image's `landfall-stage-in` / `landfall-stage-out` programs run — on this worker
 * thread, for the jobs' task runners (taskRunner.mjs), which ask over loopback HTTP with the job's environment.
 * A Node process per phase cost 0.15–0.25 s of start (loading the phase bundle) on every job, on the job's
 * vCPUs; here the code is loaded once. Requests carry a bearer token only jobs of this runtime are given.
 */
import { timingSafeEqual } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { runStageIn } from '../../workflows/job/stageIn.ts';
import { runStageOut } from '../../workflows/job/stageOut.ts';
import { volumeRoot } from '../../workflows/job/volume.ts';

/** What the starting thread is handed. */
export interface StagerStart {
  token: string;
}

/** A phase's answer: its exit code and what it wrote. */
export interface StagerReply {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const PHASES: Record<string, typeof runStageIn> = { 'stage-in': runStageIn, 'stage-out': runStageOut };
/** A job environment is a few KB; anything much larger is not a task runner's request. */
const MAX_BODY_BYTES = 1024 * 1024;

const { token } = workerData as StagerStart;
const expected = Buffer.from(`Bearer ${token}`);
const authorized = (request: IncomingMessage) => {
  const given = Buffer.from(request.headers.authorization ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
};

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const server = createServer((request, response) => {
  const phase = PHASES[/^\/phase\/([a-z-]+)$/.exec(request.url ?? '')?.[1] ?? ''];
  if (request.method !== 'POST' || !phase) return void response.writeHead(404).end();
  if (!authorized(request)) return void response.writeHead(401).end();
  // The task runner gone before the answer: its job was killed mid-phase.
  let abandoned = false;
  response.once('close', () => (abandoned = !response.writableFinished));
  bodyOf(request)
    .then(async (body) => {
      const { env } = JSON.parse(body) as { env: Record<string, string> };
      const reply: StagerReply = { exitCode: 1, stdout: '', stderr: '' };
      reply.exitCode = await phase(env, { stdout: (text) => (reply.stdout += text), stderr: (text) => (reply.stderr += text) });
      // What the phase wrote after its job's volume was removed is removed too: the volume is scratch of a dead attempt.
      if (abandoned) await rm(volumeRoot(env), { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }).catch(() => undefined);
      else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    })
    .catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(400).end(error instanceof Error ? error.message : String(error));
    });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  parentPort!.postMessage({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
});
parentPort!.on('message', () => {
  // Told to close: no new phases; the thread ends once the phases running have answered.
  server.close();
  server.closeIdleConnections();
  parentPort!.close();
});
