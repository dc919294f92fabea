// Watchdog of one job attempt. Plain JavaScript so it starts in tens of milliseconds without tsx.
//
// The executor spawns this file detached (so it leads a new process group) with an IPC channel, and
// passes the job's command as JSON in argv[2]. The command runs in the SAME group (not detached), so:
//   - the executor can kill the whole job, grandchildren included, with one kill(-pgid);
//   - when the executor dies, even by SIGKILL, the IPC channel disconnects and this watchdog kills the
//     group, itself included: a detached job would otherwise outlive the runtime as an orphan;
//   - when the command exits, the watchdog reports the exit and kills the group, as a container's
//     processes all stop when its main process exits.
// Messages to the executor: {type:'spawned', pid}, {type:'exit', code, signal}, {type:'error', code, message}.
import { spawn } from 'node:child_process';

/** @type {import('node:child_process').ChildProcess | undefined} */
let child;

function killOwnGroup() {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    // Not a group leader (started without `detached`): kill what we can reach.
    child?.kill('SIGKILL');
    process.exit(1);
  }
}

if (typeof process.send !== 'function') {
  process.stderr.write('jobWatchdog: must be spawned with an IPC channel by the local Batch executor\n');
  process.exit(2);
}

let command;
try {
  command = JSON.parse(process.argv[2] ?? '');
} catch {
  command = undefined;
}
if (!Array.isArray(command) || command.length === 0 || !command.every((part) => typeof part === 'string')) {
  process.stderr.write(`jobWatchdog: argv[2] must be a JSON array of strings, found ${process.argv[2]}\n`);
  process.exit(2);
}

process.on('disconnect', killOwnGroup);
// A group-wide SIGTERM (timeout, graceful stop) is meant for the job; stay alive to report its exit.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => {});

let finished = false;
function finish(message) {
  if (finished) return;
  finished = true;
  try {
    process.send(message, () => killOwnGroup());
  } catch {
    killOwnGroup();
  }
}

const [file, ...args] = command;
child = spawn(file, args, { stdio: 'inherit' });
child.on('spawn', () => {
  try {
    process.send({ type: 'spawned', pid: child.pid });
  } catch {
    killOwnGroup();
  }
});
child.on('error', (error) => finish({ type: 'error', code: error.code, message: error.message }));
child.on('exit', (code, signal) => finish({ type: 'exit', code, signal }));
