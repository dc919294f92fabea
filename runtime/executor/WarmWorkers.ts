import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./warmWorker.mjs', import.meta.url));

/** A worker process as `list` shows it. */
export interface WarmWorkerInfo {
  region: string;
  instanceId: string;
  pid?: number;
  ready: boolean;
  startedAt: number;
}

interface Worker extends WarmWorkerInfo {
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * The warm worker processes of every local region: one process per vCPU of capacity the region holds
 * (the analogue of instances of a Batch compute environment). {@link scaleTo} starts or drains processes
 * to reach a count; a drained worker exits at once (jobs are accounted by vCPU, not bound to a worker,
 * and the count never drops below the vCPUs in use). Workers die with the runtime (IPC disconnect).
 */
export class WarmWorkers {
  readonly #workers = new Map<string, Worker[]>();
  readonly #onChange: (region: string) => void;
  #stopped = false;

  constructor(options: { onChange?: (region: string) => void } = {}) {
    this.#onChange = options.onChange ?? (() => undefined);
  }

  /** Live workers of a region (starting or ready). */
  count(region: string): number {
    return this.#workers.get(region)?.length ?? 0;
  }

  list(): WarmWorkerInfo[] {
    return [...this.#workers.values()].flat().map(({ region, instanceId, pid, ready, startedAt }) => ({
      region,
      instanceId,
      ...(pid !== undefined && { pid }),
      ready,
      startedAt,
    }));
  }

  /** Starts or drains workers until the region has `count`. */
  scaleTo(region: string, count: number): void {
    if (this.#stopped) return;
    const workers = this.#workers.get(region) ?? [];
    this.#workers.set(region, workers);
    while (workers.length < count) workers.push(this.#start(region));
    // Not-yet-ready workers go first: they hold nothing and an instance still booting is cheapest to cancel.
    const surplus = workers.length - count;
    if (surplus <= 0) return;
    const drained = [...workers].sort((a, b) => Number(a.ready) - Number(b.ready) || b.startedAt - a.startedAt).slice(0, surplus);
    for (const worker of drained) this.#drain(worker);
  }

  /** Drains every worker and resolves once all have exited. */
  async stop(): Promise<void> {
    this.#stopped = true;
    const all = [...this.#workers.values()].flat();
    for (const worker of all) this.#drain(worker);
    await Promise.all(all.map((worker) => worker.exited));
  }

  #start(region: string): Worker {
    const instanceId = `i-0${randomBytes(8).toString('hex')}`;
    const child = spawn(process.execPath, [WORKER, region, instanceId], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const worker: Worker = {
      region,
      instanceId,
      ready: false,
      startedAt: Date.now(),
      child,
      exited,
      ...(child.pid !== undefined && { pid: child.pid }),
    };
    child.on('message', (message: { type?: string }) => {
      if (message?.type === 'ready') {
        worker.ready = true;
        this.#onChange(region);
      }
    });
    child.on('error', () => undefined); // a failed spawn shows as an exit; the next scaleTo replaces it
    child.once('exit', () => {
      const workers = this.#workers.get(region) ?? [];
      const index = workers.indexOf(worker);
      if (index >= 0) workers.splice(index, 1);
      this.#onChange(region);
    });
    return worker;
  }

  #drain(worker: Worker): void {
    const workers = this.#workers.get(worker.region) ?? [];
    const index = workers.indexOf(worker);
    if (index >= 0) workers.splice(index, 1);
    if (worker.child.connected) worker.child.send({ type: 'drain' }, () => undefined);
    else worker.child.kill('SIGTERM');
  }
}
