import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';

/** Debian's python3-aiosmtpd, for Debian's own Python (`.ci/run` installs it). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
const SINK_SCRIPT = path.join(import.meta.dirname, 'smtpSink.py');

/** Whether the real SMTP server can run here; tests that need it skip loudly without it. */
export function hasAiosmtpd(): boolean {
  return existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0;
}

/** A free TCP port on 127.0.0.1 (asked of the OS, then released for the server that uses it). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One message as the SMTP server received it: the envelope and what a person reads. */
export interface ReceivedMail {
  mail_from: string;
  rcpt_tos: string[];
  from: string;
  to: string;
  subject: string;
  body: string;
}

/** A real SMTP server (aiosmtpd) on 127.0.0.1 writing each accepted message to `dir` as JSON. */
export async function startSmtpSink(dir: string): Promise<{ port: number; received(): ReceivedMail[]; stop(): Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn(SYSTEM_PYTHON, [SINK_SCRIPT, String(port), dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the SMTP sink did not start within 15 s: ${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`ready ${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the SMTP sink exited with ${code}: ${output}`));
    });
  });
  return {
    port,
    received: () =>
      readdirSync(dir)
        .filter((name) => name.endsWith('.json'))
        .sort()
        .map((name) => JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as ReceivedMail),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One POST an incoming-webhook receiver got. */
export interface ReceivedPost {
  path: string;
  contentType: string | undefined;
  body: string;
}

/** A chat service's incoming webhook on 127.0.0.1: records every POST (any path) and answers 200. */
export async function startChatReceiver(): Promise<{ port: number; posts: ReceivedPost[]; stop(): Promise<void> }> {
  const posts: ReceivedPost[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'POST')
        posts.push({
          path: request.url ?? '/',
          contentType: request.headers['content-type'],
          body: Buffer.concat(chunks).toString('utf8'),
        });
      response.writeHead(request.method === 'POST' ? 200 : 405, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    posts,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
