// One warm worker of a local region: the embedded runtime's analogue of a Batch compute instance. It
// holds one vCPU of the region's capacity while it lives; the executor starts workers when work needs
// them or a warm floor asks for them, and stops them when the floor drops (the inactivity alarm).
// Plain JavaScript so it starts in tens of milliseconds. argv: <region> <instanceId>.
// It exits when told to drain, on SIGTERM, or when the runtime goes away (even by SIGKILL: the IPC
// channel disconnects), so no worker outlives the runtime.
if (typeof process.send !== 'function') {
  process.stderr.write('warmWorker: must be spawned with an IPC channel by the local Batch executor\n');
  process.exit(2);
}
process.title = `landfall-warm-worker ${process.argv[2] ?? ''}`;
process.on('message', (message) => {
  if (message && message.type === 'drain') process.exit(0);
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
// Keep the event loop alive while idle: an instance waits for work.
setInterval(() => undefined, 1 << 30);
process.send({ type: 'ready', pid: process.pid });
