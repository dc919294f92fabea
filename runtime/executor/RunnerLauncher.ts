import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';

const LAUNCHER = fileURLToPath(new URL('./runnerLauncher.mjs', import.meta.url));

/** What the launcher says about one runner (runnerLauncher.mjs). */
type LauncherMessage =
  | { type: 'spawned'; id: string; pid: number }
  | { type: 'message'; id: string; message: unknown }
  | { type: 'error'; id: string; message: string }
  | { type: 'close'; id: string; code: number | null; signal: NodeJS.Signals | null };

// biome-ignore lint/suspicious/noExplicitAny: as Node's own ChildProcess and EventEmitter type their listeners
type Listener = (...args: any[]) => void;

/**
 * What the executor uses of a process that runs an attempt: a ChildProcess it spawned itself, or a runner the
 * launcher started for it ({@link LaunchedRunner}).
 */
export interface RunnerProcess {
  readonly pid?: number | undefined;
  readonly connected: boolean;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  readonly channel?: { ref(): void; unref(): void } | null;
  send(message: object): boolean;
  disconnect(): void;
  ref(): void;
  unref(): void;
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
  off(event: string, listener: Listener): unknown;
}

/**
 * A task runner started by the launcher: the part of a ChildProcess the executor uses (pid, send, connected,
 * exitCode/signalCode, ref/unref and the 'message', 'error', 'exit' and 'close' events), its messages carried
 * through the launcher. Its pid is known once the launcher has said so ({@link ready}).
 */
export class LaunchedRunner extends EventEmitter implements RunnerProcess {
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  #connected = false;
  #closed = false;
  #held = false;
  readonly #launcher: RunnerLauncher;
  readonly id: string;
  /** Mirrors ChildProcess.channel for the executor's ref/unref of a spare. */
  readonly channel = { ref: () => this.ref(), unref: () => this.unref() };

  constructor(launcher: RunnerLauncher, id: string) {
    super();
    this.#launcher = launcher;
    this.id = id;
  }

  /** Started, its pid known, its channel open. */
  get ready(): boolean {
    return this.#connected && this.pid !== undefined;
  }

  get connected(): boolean {
    return this.#connected;
  }

  send(message: object): boolean {
    if (!this.#connected) return false;
    return this.#launcher.forward({ type: 'send', id: this.id, message });
  }

  /** Closes its channel, so it kills its own group; asked before it started, it is stopped as it starts. */
  disconnect(): void {
    if (!this.#closed) this.#launcher.forward({ type: 'disconnect', id: this.id });
  }

  /** Keeps the runtime alive while this runner has a job (a spare must not): counted by the launcher. */
  ref(): void {
    if (this.#held || this.#closed) return;
    this.#held = true;
    this.#launcher.hold(1);
  }

  unref(): void {
    if (!this.#held) return;
    this.#held = false;
    this.#launcher.hold(-1);
  }

  /** @internal the launcher's report about this runner. */
  receive(report: LauncherMessage): void {
    if (this.#closed) return;
    switch (report.type) {
      case 'spawned':
        this.pid = report.pid;
        this.#connected = true;
        return;
      case 'message':
        this.emit('message', report.message);
        return;
      case 'error':
        this.emit('error', new Error(report.message));
        return;
      case 'close':
        this.#closed = true;
        this.#connected = false;
        this.exitCode = report.code;
        this.signalCode = report.signal;
        this.unref();
        this.emit('exit', report.code, report.signal);
        this.emit('close', report.code, report.signal);
        return;
    }
  }
}

/**
 * Starts task runners from a small long-lived process (runnerLauncher.mjs) instead of the runtime: a fork of
 * the runtime blocked its event loop 15–50 ms per job. One launcher per executor, started when first needed and
 * again after it died; a launcher that dies ends every runner it started (their channels close, each kills its
 * own group) and each reports closed, as a runner whose host went away.
 */
export class RunnerLauncher {
  readonly #cwd: string;
  #process: ChildProcess | undefined;
  /** Runners not closed yet, with the launcher process that started them. */
  readonly #runners = new Map<string, { runner: LaunchedRunner; launcher: ChildProcess }>();
  #next = 0;
  #held = 0;
  readonly #idleMs: number;
  #idleTimer: NodeJS.Timeout | undefined;

  /** `idleMs`: how long the launcher stays with no runner alive before it exits (the next launch starts it again). */
  constructor(options: { cwd: string; idleMs?: number }) {
    this.#cwd = options.cwd;
    this.#idleMs = options.idleMs ?? 30_000;
  }

  /** Asks for a new runner of `script`; it is {@link LaunchedRunner.ready} once the launcher has started it. */
  launch(script: string): LaunchedRunner {
    clearTimeout(this.#idleTimer);
    const launcher = this.#ensure();
    const runner = new LaunchedRunner(this, `r${++this.#next}`);
    this.#runners.set(runner.id, { runner, launcher });
    if (!this.forward({ type: 'spawn', id: runner.id, script, cwd: this.#cwd }, launcher)) this.#close(runner.id, null);
    return runner;
  }

  /** The launcher's pid, while it runs. */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** Stops the launcher: its runners' channels close with it (each kills its own group). */
  stop(): void {
    clearTimeout(this.#idleTimer);
    const launcher = this.#process;
    this.#process = undefined;
    if (launcher?.connected) launcher.disconnect();
  }

  /** @internal */
  forward(message: object, launcher = this.#process): boolean {
    if (!launcher?.connected) return false;
    try {
      return launcher.send(message);
    } catch {
      return false;
    }
  }

  /** @internal a runner with a job holds the runtime open; spares do not. */
  hold(change: number): void {
    this.#held += change;
    const channel = this.#process?.channel;
    if (this.#held > 0) channel?.ref();
    else channel?.unref();
  }

  /** A runner that ended, or can never start: it reports closed (a signal when its host went away). */
  #close(id: string, signal: NodeJS.Signals | null): void {
    const entry = this.#runners.get(id);
    if (!entry) return;
    this.#runners.delete(id);
    queueMicrotask(() => entry.runner.receive({ type: 'close', id, code: null, signal }));
  }

  #ensure(): ChildProcess {
    if (this.#process?.connected) return this.#process;
    const launcher = spawn(process.execPath, [LAUNCHER], { cwd: this.#cwd, detached: true, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.#process = launcher;
    launcher.unref();
    if (this.#held > 0) launcher.channel?.ref();
    else launcher.channel?.unref();
    launcher.on('message', (report: LauncherMessage) => {
      const entry = this.#runners.get(report.id);
      if (!entry) return;
      if (report.type === 'close') {
        this.#runners.delete(report.id);
        // An idle runtime keeps no launcher (a Node process) around: it exits once nothing ran on it for a while.
        if (this.#runners.size === 0) this.#idleTimer = setTimeout(() => this.stop(), this.#idleMs).unref();
      }
      entry.runner.receive(report);
    });
    const lost = () => {
      if (this.#process === launcher) this.#process = undefined;
      // Its runners went with it (their channels closed, each killed its group): each ends as a lost host.
      for (const [id, entry] of this.#runners) if (entry.launcher === launcher) this.#close(id, 'SIGKILL');
    };
    launcher.on('close', lost);
    launcher.on('error', lost);
    return launcher;
  }
}
