// Task runner of one multi-container job attempt on the embedded runtime: the local stand-in for what ECS does
// with a Batch job definition's `ecsProperties.taskProperties[0].containers` (stage-in, the tool, stage-out).
// Plain JavaScript so it starts in tens of milliseconds without tsx.
//
// The job watchdog runs this file as the job's command, in the job's process group, so one kill(-pgid) stops
// every container and the watchdog kills the group if the runtime dies. Each container is a host process:
//   - it starts when its `dependsOn` conditions hold: START (the other container started), COMPLETE (it exited),
//     SUCCESS (it exited 0); a condition that can never hold stops the container without starting it, with
//     exit code 143, as the ECS agent does (aws/amazon-ecs-agent PR #3218);
//   - stdout goes to the job log; stderr to the job log too, and its last lines are kept in a tail file;
//   - when an essential container exits, the others are stopped and the task ends with its exit code.
// Containers ask `${ECS_CONTAINER_METADATA_URI_V4}/task` about each other, as in ECS (task metadata v4: Name,
// KnownStatus, ExitCode, LogDriver, LogOptions); this runner serves that document on 127.0.0.1.
//
// argv[2]: JSON { containers: [{ name, argv, essential, dependsOn: [{ containerName, condition }], env, phase? }], tailDir,
// tailLines, stager? }; each container's `env` is added to this process's own environment (the job's).
// A container with a `phase` (Landfall's stage-in or stage-out) is run by the runtime's stager when the spec names
// one ({ url }, its token in LANDFALL_STAGER_TOKEN: runtime/executor/stagerThread.ts): the same code, without a process start per phase. A stager
// that cannot be reached is not an error: the container then runs as its own process.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// require, not import: an ES module import of node:http materializes every export, which loads undici,
// crypto and zlib (about 25 ms of start per task runner).
const { createServer, request: httpRequest } = createRequire(import.meta.url)('node:http');

const LOG_DRIVER = 'landfall-local';
const TAIL_OPTION = 'landfall-log-tail';

let spec;
try {
  spec = JSON.parse(process.argv[2] ?? '');
} catch {
  spec = undefined;
}
if (!spec || !Array.isArray(spec.containers) || spec.containers.length === 0 || typeof spec.tailDir !== 'string') {
  process.stderr.write(`taskRunner: argv[2] must be JSON {containers: [...], tailDir}, found ${process.argv[2]}\n`);
  process.exit(2);
}
if (!spec.containers.some((container) => container.essential)) {
  process.stderr.write('taskRunner: a task needs at least one essential container\n');
  process.exit(2);
}
const tailLines = Number.isInteger(spec.tailLines) ? spec.tailLines : 20;
// The stager's token comes in the environment (not argv, which every user of the machine can list); no
// container inherits it.
const stagerToken = process.env.LANDFALL_STAGER_TOKEN;
delete process.env.LANDFALL_STAGER_TOKEN;
mkdirSync(spec.tailDir, { recursive: true });

/** @type {Map<string, {def: any, status: 'PENDING'|'RUNNING'|'STOPPED', startedAt?: number, exitCode?: number, child?: any, tail: string[], partial: string, tailFile: string}>} */
const containers = new Map(
  spec.containers.map((def) => [
    def.name,
    { def, status: 'PENDING', tail: [], partial: '', tailFile: join(spec.tailDir, `${def.name}.stderr-tail`) },
  ]),
);
let finished = false;

function metadata() {
  return {
    TaskARN: `arn:aws:ecs:local:000000000000:task/landfall/${process.pid}`,
    KnownStatus: finished ? 'STOPPED' : 'RUNNING',
    Containers: [...containers.values()].map((c) => ({
      Name: c.def.name,
      KnownStatus: c.status === 'PENDING' ? 'PENDING' : c.status,
      ...(c.exitCode !== undefined && { ExitCode: c.exitCode }),
      LogDriver: LOG_DRIVER,
      LogOptions: { [TAIL_OPTION]: c.tailFile },
    })),
  };
}

const server = createServer((request, response) => {
  if (request.method === 'GET' && (request.url ?? '').endsWith('/task')) {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(metadata()));
  } else {
    response.writeHead(404);
    response.end();
  }
});

function keepTail(c, text) {
  const lines = (c.partial + text).split(/\r?\n/);
  c.partial = lines.pop() ?? '';
  for (const line of lines) if (line.trim() !== '') c.tail.push(line);
  if (c.tail.length > tailLines) c.tail.splice(0, c.tail.length - tailLines);
}

function writeTail(c) {
  if (c.partial.trim() !== '') c.tail.push(c.partial);
  c.partial = '';
  writeFileSync(c.tailFile, c.tail.slice(-tailLines).join('\n') + (c.tail.length > 0 ? '\n' : ''));
}

/** 'ready', 'wait' or 'never' for a container's dependencies. */
function dependencies(c) {
  let verdict = 'ready';
  for (const dep of c.def.dependsOn ?? []) {
    const other = containers.get(dep.containerName);
    if (!other) return 'never';
    const stopped = other.status === 'STOPPED';
    if (dep.condition === 'START') {
      if (other.startedAt !== undefined) continue;
      if (stopped) return 'never';
    } else if (dep.condition === 'COMPLETE') {
      if (stopped && other.exitCode !== undefined) continue;
    } else if (dep.condition === 'SUCCESS') {
      if (stopped && other.exitCode === 0) continue;
      if (stopped) return 'never';
    } else {
      return 'never';
    }
    verdict = 'wait';
  }
  return verdict;
}

function stopped(c, exitCode) {
  c.status = 'STOPPED';
  c.exitCode = exitCode;
  if (c.startedAt !== undefined) {
    const seconds = ((performance.now() - c.startedAt) / 1000).toFixed(2);
    process.stdout.write(`[landfall task] ${c.def.name}: exited ${exitCode} after ${seconds} s\n`);
  }
  writeTail(c);
  if (c.def.essential) return finish(exitCode);
  schedule();
}

function start(c) {
  c.status = 'RUNNING';
  c.startedAt = performance.now();
  const env = { ...process.env, ...c.def.env, ECS_CONTAINER_METADATA_URI_V4: `http://127.0.0.1:${server.address().port}/v4/${c.def.name}` };
  if (c.def.phase && spec.stager && stagerToken) return startOnStager(c, env);
  spawnContainer(c, env);
}

/** Runs a phase container on the stager; if the stager cannot be reached, as its own process. */
function startOnStager(c, env) {
  process.stdout.write(`[landfall task] ${c.def.name}: ${c.def.phase} on the runtime’s stager\n`);
  const body = JSON.stringify({ env });
  let answered = false;
  const request = httpRequest(
    `${spec.stager.url}/phase/${c.def.phase}`,
    { method: 'POST', headers: { authorization: `Bearer ${stagerToken}`, 'content-type': 'application/json' } },
    (response) => {
      answered = true;
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        if (c.status === 'STOPPED') return;
        let reply;
        try {
          reply = response.statusCode === 200 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
        } catch {
          reply = undefined;
        }
        if (!reply || typeof reply.exitCode !== 'number') {
          const why = `${c.def.name}: the stager answered ${response.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 500)}\n`;
          process.stderr.write(why);
          keepTail(c, why);
          return stopped(c, 1);
        }
        if (reply.stdout) process.stdout.write(reply.stdout);
        if (reply.stderr) {
          process.stderr.write(reply.stderr);
          keepTail(c, reply.stderr);
        }
        stopped(c, reply.exitCode);
      });
    },
  );
  c.request = request;
  request.on('error', (error) => {
    if (c.status === 'STOPPED') return;
    if (answered) {
      keepTail(c, `${c.def.name}: lost the stager: ${error.message}\n`);
      return stopped(c, 1);
    }
    // Never reached (not listening, refused): the phase runs as a process of its own, as in the step image.
    process.stdout.write(`[landfall task] ${c.def.name}: stager unreachable (${error.message}), running it as a process\n`);
    spawnContainer(c, env);
  });
  request.end(body);
}

function spawnContainer(c, env) {
  const [file, ...args] = c.def.argv;
  process.stdout.write(`[landfall task] ${c.def.name}: ${c.def.argv.join(' ')}\n`);
  let child;
  try {
    child = spawn(file, args, { env, stdio: ['ignore', 'inherit', 'pipe'] });
  } catch (error) {
    keepTail(c, `${c.def.name}: cannot run ${file}: ${error.message}\n`);
    return stopped(c, 127);
  }
  c.child = child;
  child.stderr.on('data', (chunk) => {
    process.stderr.write(chunk);
    keepTail(c, chunk.toString('utf8'));
  });
  child.on('error', (error) => {
    // ENOENT: the program is not on PATH (landfall up checks `requires` before starting, so this is rare).
    keepTail(c, `${c.def.name}: cannot run ${file}: ${error.message}\n`);
    process.stderr.write(`${c.def.name}: cannot run ${file}: ${error.message}\n`);
    if (c.status !== 'STOPPED') stopped(c, error.code === 'ENOENT' ? 127 : 126);
  });
  child.on('close', (code, signal) => {
    if (c.status === 'STOPPED') return;
    stopped(c, code ?? 128 + signalNumber(signal));
  });
}

function signalNumber(signal) {
  return { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal] ?? 0;
}

function schedule() {
  if (finished) return;
  for (const c of containers.values()) {
    if (c.status !== 'PENDING') continue;
    const verdict = dependencies(c);
    if (verdict === 'ready') start(c);
    else if (verdict === 'never') {
      keepTail(c, `${c.def.name}: not started: a dependency condition can never be satisfied\n`);
      process.stderr.write(`[landfall task] ${c.def.name}: not started: a dependency condition can never be satisfied\n`);
      stopped(c, 143);
    }
    if (finished) return;
  }
}

function finish(exitCode) {
  if (finished) return;
  finished = true;
  const running = [...containers.values()].filter((c) => c.status === 'RUNNING');
  for (const c of running) {
    c.child?.kill('SIGTERM');
    c.request?.destroy();
  }
  server.close();
  process.exitCode = exitCode;
  // Nothing left running (the usual end: stage-out exited last): leave now, the job's vCPUs are free at once.
  if (running.length === 0) process.exit(exitCode);
  // Else give the stopped containers a moment, then leave: the watchdog reports this exit and kills the group.
  setTimeout(() => process.exit(exitCode), 200).unref();
}

server.listen(0, '127.0.0.1', () => schedule());
