// Task runner of one multi-container job attempt on the embedded runtime: the local stand-in for what ECS does
// with a Batch job definition's `ecsProperties.taskProperties[0].containers` (stage-in, the tool, stage-out).
// Plain JavaScript so it starts in tens of milliseconds without tsx.
//
// The executor spawns this file detached (so it leads a new process group) with an IPC channel, usually before
// its job exists: a runner waits as a spare, so a job's start does not wait for a Node process to start. It is
// also the job's watchdog (jobWatchdog.mjs watches single-command jobs):
//   - its containers run in its process group, so the executor stops every container with one kill(-pgid);
//   - when the executor dies, even by SIGKILL, the IPC channel disconnects and the runner kills its group;
//   - a group-wide SIGTERM (timeout, stop) reaches the containers; the runner stays to report their exit, starts no
//     further container and abandons a phase it handed the stager;
//   - when the essential container has exited, it reports the task's exit and kills its group.
// Each container is a host process:
//   - it starts when its `dependsOn` conditions hold: START (the other container started), COMPLETE (it exited),
//     SUCCESS (it exited 0); a condition that can never hold — any condition on a container that stopped without
//     starting — stops the container without starting it, with exit code 143, as the ECS agent does
//     (aws/amazon-ecs-agent PR #3218, and its dependency graph's "dependency will never start");
//   - stdout goes to the job log; stderr to the job log too, and its last lines are kept in a tail file;
//   - when an essential container exits, the others are stopped and the task ends with its exit code.
// Containers ask `${ECS_CONTAINER_METADATA_URI_V4}/task` about each other, as in ECS (task metadata v4: Name,
// KnownStatus, ExitCode, LogDriver, LogOptions); this runner serves that document on 127.0.0.1.
//
// Messages from the executor: {type: 'run', spec, env, logFile}: spec is { containers: [{ name, argv, essential,
// dependsOn: [{ containerName, condition }], env, phase? }], tailDir, tailLines, stager?, computeGate? }; env is the
// job's environment, to which each container's `env` is added; logFile the job log, appended to. {type: 'granted'}:
// the job's compute is its own now (below).
// Messages to the executor: {type: 'spawned', pid}, {type: 'exit', code}, {type: 'error', message}, and with
// `computeGate`: {type: 'acquire'}, {type: 'release'}.
// Compute gate: the job's vCPUs and memory serve its tool containers (those without a `phase`); the stage phases
// run on the runtime's stager, which holds none of them. With `computeGate`, the first tool container to become
// ready asks for the compute ({type: 'acquire'}) and no tool container starts before {type: 'granted'}; once every
// tool container has stopped, the runner gives it back ({type: 'release'}) while stage-out goes on. So the executor
// can stage a job's inputs while another job's tool has the vCPUs, and start the next tool as this one ends.
// A container with a `phase` (Landfall's stage-in or stage-out) is run by the runtime's stager when the spec names
// one ({ url }, its token in the job environment's LANDFALL_STAGER_TOKEN, which no container inherits:
// runtime/executor/stagerThread.ts): the same code, without a process start per phase. A stager that cannot be
// reached is not an error: the container then runs as its own process.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

// require, not import: an ES module import of node:http materializes every export, which loads undici,
// crypto and zlib (about 25 ms of start per task runner).
const { createServer, request: httpRequest } = createRequire(import.meta.url)('node:http');

const LOG_DRIVER = 'landfall-local';
const TAIL_OPTION = 'landfall-log-tail';

/** @type {any} */
let spec;
/** @type {Record<string, string | undefined>} */
let jobEnv = {};
/** @type {string | undefined} */
let stagerToken;
/** @type {number | undefined} */
let logFd;
/** Lines of each container's stderr kept in its tail file. */
let tailLines = 20;
let stopping = false;
let finished = false;
/** The compute gate: 'none' (not asked), 'asked', 'granted', 'released'. */
let compute = 'none';
let askedAt = 0;
/** @type {Map<string, {def: any, status: 'PENDING'|'RUNNING'|'STOPPED', startedAt?: number, exitCode?: number, child?: any, request?: any, tail: string[], partial: string, tailFile: string}>} */
const containers = new Map();

/** To the job log (this runner's own lines and its containers' output): a runner has no stdout of its own. */
function log(text) {
  if (logFd === undefined) return;
  try {
    writeSync(logFd, text);
  } catch {
    // A log that cannot be written must not stop the job.
  }
}

function killOwnGroup() {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    // Not a group leader (started without `detached`): stop what we can reach.
    for (const c of containers.values()) c.child?.kill('SIGKILL');
    process.exit(1);
  }
}

/** Tells the executor how the task ended, then ends the group, this runner included. */
function report(message) {
  if (logFd !== undefined) closeSync(logFd);
  logFd = undefined;
  try {
    process.send(message, () => killOwnGroup());
  } catch {
    killOwnGroup();
  }
}

if (typeof process.send !== 'function') {
  process.stderr.write('taskRunner: must be spawned with an IPC channel by the local Batch executor\n');
  process.exit(2);
}
process.on('disconnect', killOwnGroup);
// A group-wide SIGTERM is meant for the job: its containers have it too; stay to report how they ended.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => stopTask());
process.on('uncaughtException', (error) => {
  log(`taskRunner: ${error.stack ?? error}\n`);
  if (!finished) {
    finished = true;
    report({ type: 'exit', code: 1 });
  }
});
process.on('message', (message) => {
  if (message?.type === 'granted') {
    if (compute !== 'asked') return;
    compute = 'granted';
    const waited = (performance.now() - askedAt) / 1000;
    // Staged ahead of its vCPUs: say how long the inputs waited for them.
    if (waited >= 0.1) log(`[landfall task] inputs staged; waited ${waited.toFixed(2)} s for the job's vCPUs\n`);
    return schedule();
  }
  if (spec !== undefined) return;
  if (message?.type !== 'run')
    return report({ type: 'error', message: `taskRunner: expected a run message, found ${JSON.stringify(message)}` });
  run(message);
});

function run(message) {
  spec = message.spec;
  jobEnv = { ...message.env };
  // The stager's token is the runner's alone: no container inherits it.
  stagerToken = jobEnv.LANDFALL_STAGER_TOKEN;
  delete jobEnv.LANDFALL_STAGER_TOKEN;
  if (Number.isInteger(spec?.tailLines)) tailLines = spec.tailLines;
  try {
    logFd = openSync(message.logFile, 'a');
  } catch (error) {
    return report({ type: 'error', message: `cannot open the job log ${message.logFile}: ${error.message}` });
  }
  if (!spec || !Array.isArray(spec.containers) || spec.containers.length === 0 || typeof spec.tailDir !== 'string') {
    log(`taskRunner: the spec must be {containers: [...], tailDir}, found ${JSON.stringify(spec)}\n`);
    return report({ type: 'exit', code: 2 });
  }
  if (!spec.containers.some((container) => container.essential)) {
    log('taskRunner: a task needs at least one essential container\n');
    return report({ type: 'exit', code: 2 });
  }
  process.send({ type: 'spawned', pid: process.pid });
  mkdirSync(spec.tailDir, { recursive: true });
  for (const def of spec.containers)
    containers.set(def.name, { def, status: 'PENDING', tail: [], partial: '', tailFile: join(spec.tailDir, `${def.name}.stderr-tail`) });
  server.listen(0, '127.0.0.1', () => schedule());
}

/** The task is being stopped: no container starts any more, and a phase on the stager is abandoned (its connection closed). */
function stopTask() {
  if (!spec || finished || stopping) return;
  stopping = true;
  for (const c of containers.values()) {
    if (c.status === 'RUNNING' && c.request) {
      c.request.destroy();
      stopped(c, 143);
    }
  }
  schedule();
}

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
    // Whatever the condition, a container stopped without ever starting can never meet it, as the ECS agent
    // decides ("dependency will never start"): after a failed stage-in, neither the tool nor stage-out runs.
    if (stopped && other.startedAt === undefined) return 'never';
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
    log(`[landfall task] ${c.def.name}: exited ${exitCode} after ${seconds} s\n`);
  }
  writeTail(c);
  releaseComputeWhenToolsDone();
  if (c.def.essential) return finish(exitCode);
  schedule();
}

/** A tool container with the gate on: it needs the job's compute to start. */
const needsCompute = (c) => spec.computeGate === true && !c.def.phase;

/** Every tool container has stopped: the compute goes back while stage-out (if any) goes on. */
function releaseComputeWhenToolsDone() {
  if (compute !== 'granted') return;
  if ([...containers.values()].some((c) => !c.def.phase && c.status !== 'STOPPED')) return;
  compute = 'released';
  send({ type: 'release' });
}

/** To the executor, ignoring a channel that is gone (the runner is then being killed with its group). */
function send(message) {
  try {
    process.send(message);
  } catch {
    // disconnect kills the group
  }
}

function start(c) {
  c.status = 'RUNNING';
  c.startedAt = performance.now();
  const env = { ...jobEnv, ...c.def.env, ECS_CONTAINER_METADATA_URI_V4: `http://127.0.0.1:${server.address().port}/v4/${c.def.name}` };
  if (c.def.phase && spec.stager && stagerToken) return startOnStager(c, env);
  spawnContainer(c, env);
}

/** Runs a phase container on the stager; if the stager cannot be reached, as its own process. */
function startOnStager(c, env) {
  log(`[landfall task] ${c.def.name}: ${c.def.phase} on the runtime’s stager\n`);
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
          log(why);
          keepTail(c, why);
          return stopped(c, 1);
        }
        if (reply.stdout) log(reply.stdout);
        if (reply.stderr) {
          log(reply.stderr);
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
    log(`[landfall task] ${c.def.name}: stager unreachable (${error.message}), running it as a process\n`);
    spawnContainer(c, env);
  });
  request.end(body);
}

function spawnContainer(c, env) {
  const [file, ...args] = c.def.argv;
  log(`[landfall task] ${c.def.name}: ${c.def.argv.join(' ')}\n`);
  let child;
  try {
    child = spawn(file, args, { env, stdio: ['ignore', logFd ?? 'ignore', 'pipe'] });
  } catch (error) {
    keepTail(c, `${c.def.name}: cannot run ${file}: ${error.message}\n`);
    return stopped(c, 127);
  }
  c.child = child;
  child.stderr.on('data', (chunk) => {
    log(chunk);
    keepTail(c, chunk.toString('utf8'));
  });
  child.on('error', (error) => {
    // ENOENT: the program is not on PATH (landfall up checks `requires` before starting, so this is rare).
    keepTail(c, `${c.def.name}: cannot run ${file}: ${error.message}\n`);
    log(`${c.def.name}: cannot run ${file}: ${error.message}\n`);
    if (c.status !== 'STOPPED') stopped(c, error.code === 'ENOENT' ? 127 : 126);
  });
  child.on('close', (code, signal) => {
    if (c.status === 'STOPPED') return;
    // SIGTERM from outside the runner is the group's (TerminateJob, a timeout, a stop): the task is being stopped,
    // even when this exit is seen before the runner's own SIGTERM (libuv may report the child's exit first), and a
    // container waiting on this one's COMPLETE must not start (CI saw stage-out run after a TerminateJob).
    if (signal === 'SIGTERM') stopTask();
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
    const verdict = stopping ? 'stopped' : dependencies(c);
    if (verdict === 'stopped') {
      keepTail(c, `${c.def.name}: not started: the task was stopped\n`);
      log(`[landfall task] ${c.def.name}: not started: the task was stopped\n`);
      stopped(c, 143);
    } else if (verdict === 'ready') {
      if (needsCompute(c) && compute !== 'granted') {
        if (compute === 'none') {
          compute = 'asked';
          askedAt = performance.now();
          send({ type: 'acquire' });
        }
        continue;
      }
      start(c);
    } else if (verdict === 'never') {
      keepTail(c, `${c.def.name}: not started: a dependency condition can never be satisfied\n`);
      log(`[landfall task] ${c.def.name}: not started: a dependency condition can never be satisfied\n`);
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
  // Nothing left running (the usual end: stage-out exited last): report now, the job's vCPUs are free at once.
  if (running.length === 0) return report({ type: 'exit', code: exitCode });
  // Else give the stopped containers a moment; the report then kills the group.
  setTimeout(() => report({ type: 'exit', code: exitCode }), 200);
}
