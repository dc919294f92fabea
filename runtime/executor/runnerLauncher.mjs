// Starts task runners (taskRunner.mjs) for the local Batch executor, and carries their messages both ways.
// Plain JavaScript, no imports beyond Node's: it stays a small process.
//
// Why: a process start is a fork of the process that asks for it. Forked from the runtime (hundreds of MB
// resident, five V8 heaps, a thousand mappings) each start blocked the runtime's event loop 15–50 ms, on every
// job's dispatch; forked from this process it costs about a millisecond.
//
// The executor spawns this file with an IPC channel, in a process group of its own (a Ctrl-C meant for the
// runtime does not end it first). Messages from the executor: {type: 'spawn', id, script, cwd}: start `script`
// detached (a new process group, as the executor would) with an IPC channel; {type: 'send', id, message};
// {type: 'disconnect', id}. Messages to the executor: {type: 'spawned', id, pid}, {type: 'message', id, message},
// {type: 'error', id, message}, {type: 'close', id, code, signal}.
// When the executor goes away (its channel disconnects, even when it was SIGKILLed), this process exits: each
// runner's channel then disconnects too, and a runner whose channel disconnects kills its own group, exactly as
// when it was the executor's child.
import { spawn } from 'node:child_process';

/** @type {Map<string, import('node:child_process').ChildProcess>} */
const runners = new Map();

/** To the executor; a message that cannot be sent means the executor is gone (handled by 'disconnect'). */
function tell(message) {
  try {
    process.send(message);
  } catch {
    // The channel is closing: 'disconnect' ends this process.
  }
}

if (typeof process.send !== 'function') {
  process.stderr.write('runnerLauncher: must be spawned with an IPC channel by the local Batch executor\n');
  process.exit(2);
}
process.on('disconnect', () => process.exit(0));
process.on('message', (message) => {
  const id = message?.id;
  if (message?.type === 'spawn') {
    let child;
    try {
      child = spawn(process.execPath, [message.script], { cwd: message.cwd, detached: true, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    } catch (error) {
      tell({ type: 'error', id, message: String(error?.message ?? error) });
      tell({ type: 'close', id, code: null, signal: null });
      return;
    }
    runners.set(id, child);
    let reported = false;
    const closed = (code, signal) => {
      if (reported) return;
      reported = true;
      runners.delete(id);
      tell({ type: 'close', id, code, signal });
    };
    child.on('message', (payload) => tell({ type: 'message', id, message: payload }));
    child.on('error', (error) => tell({ type: 'error', id, message: error.message }));
    child.on('close', closed);
    // A child whose channel this process closed never emits 'close' (Node waits for a channel it no longer
    // has): its exit is its end, and no message can follow a channel closed here.
    child.on('exit', (code, signal) => {
      if (child.disconnectedHere) closed(code, signal);
    });
    // A runner's channel is the executor's only hold on it here: it must not keep this process alive by itself.
    child.unref();
    if (child.pid !== undefined) tell({ type: 'spawned', id, pid: child.pid });
    return;
  }
  const child = runners.get(id);
  if (!child) return;
  if (message?.type === 'send') {
    if (child.connected) child.send(message.message);
  } else if (message?.type === 'disconnect') {
    child.disconnectedHere = true;
    if (child.connected) child.disconnect();
  }
});
