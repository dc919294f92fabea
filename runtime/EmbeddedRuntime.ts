import './processDefaults.ts';
import './polyfills.ts';
import { appendFile, chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureIdempotencyTable } from '../functions/shared/idempotency.ts';
import { bucketNames, tableNames } from '../config/defineConfig.ts';
import type { LandfallConfig } from '../config/schema.ts';
import { buildRules } from '../events/rules.ts';
import { Catalog } from '../functions/catalog/Catalog.ts';
import { functionHandlers, workflowFunctionPlaceholders } from '../functions/registry.ts';
import { installServices, type Services } from '../functions/shared/services.ts';
import { LocalNotifier } from './notify/LocalNotifier.ts';
import type { BusEvent } from '../seams/events/EventPublisher.ts';
import { FolderStorage } from '../seams/storage/FolderStorage.ts';
import { FilePassPool, filePassThreads } from './validation/FilePassPool.ts';
import { type Stager, startStager } from './executor/startStager.ts';
import { stateMachinesOf } from '../workflows/asl/buildStateMachine.ts';
import { pipelinesOf } from '../workflows/pipelines/index.ts';
import { markLoggedFactsPublished } from './bus/loggedFacts.ts';
import { BUS_LOG_NAME, LocalEventBus, type DeadLetter } from './bus/LocalEventBus.ts';
import { assertPublishableSources } from '../seams/events/publishableSources.ts';
import { ensureTokens } from './identity/identity.ts';
import type { CatalogServer } from './catalog/startCatalogServer.ts';
import { startCatalogThread } from './catalog/startCatalogThread.ts';
import { signNothing } from './catalog/catalogThreadHandler.ts';
import { armCatalogRestarts } from './catalog/catalogFaults.ts';
import { startControlServer, type ControlServer } from './control/ControlServer.ts';
import { startDashboardServer, type DashboardServer } from './dashboard/DashboardServer.ts';
import { LocalBatchExecutor } from './executor/LocalBatchExecutor.ts';
import { assertPipelinesRunnable } from './pipelineTools.ts';
import { JOB_PROGRAMS, jobProgramCommands } from './jobPrograms.ts';
import { AlarmClock } from './alarms/AlarmClock.ts';
import { LocalAlarms } from './alarms/LocalAlarms.ts';
import { inactivityAlarms } from '../functions/alarms/inactivityAlarms.ts';
import { armFaultTriggers, shortenJobTimeouts } from './executor/faultTriggers.ts';
import { invokeLocally } from './lambda/invokeLocally.ts';
import { scheduledEvent } from '../contracts/events/scheduled.ts';
import type { FunctionName } from '../contracts/names.ts';
import { applyEnvironment, localAwsEnvironment } from './localAwsEnvironment.ts';
import { ShareWatcher } from './share/ShareWatcher.ts';
import { diskFullMessage, isDiskFull } from './diskFull.ts';
import { faultPoint } from '../functions/shared/faults.ts';
import { TeamDelivery } from './delivery/TeamDelivery.ts';
import { stateLayout, type RuntimeInfo, type StateLayout } from './stateLayout.ts';
import { LocalWorkflowService } from './workflows/LocalWorkflowService.ts';
import { counted } from '../contracts/words.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Bus deliveries waiting or running above which the share stops landing new files until they drain. */
const BUS_BACKLOG_LIMIT = 2000;

/**
 * Landed FASTQs waiting for their own validation above which the share stops landing too. Counted apart from
 * the bus backlog: a file's own validation is a head start, not a step its sample waits for (concluding the
 * sample reads a file without a verdict), so a burst of thousands of small files must not stop landing at the
 * pace of the pass threads. Each waiting one is a small event in memory.
 */
const FILE_VALIDATIONS_WAITING_LIMIT = 50_000;

/** A code cache folder the person set for every Node process; else each runtime keeps one for its jobs. */
const OUTSIDE_COMPILE_CACHE = process.env.NODE_COMPILE_CACHE;

/**
 * Samples concluded at once (see the bus's targetConcurrency). A conclusion mostly combines the verdicts its
 * files got as they landed (a file still without one waits for a pass thread, bounded apart), so it waits on
 * catalog round trips, not CPU: two at a time kept 96 samples completed by one marker queued behind each other
 * (validation inside the landing bench's window 1.0 s p50 → 0.12 s at eight, its max 6.5–7.3 → 5.8–6.0 s).
 */
const VALIDATIONS_AT_ONCE = 8;

/**
 * Functions that take in new work (a landed file's event, its validation): they wait behind every other
 * delivery for a place on the bus, as their own Lambda concurrency keeps them out of the others' way in AWS.
 */
const INTAKE_FUNCTIONS: readonly FunctionName[] = ['land', 'uploadBarrier', 'validateFile'];

/**
 * Step submissions running at once. A run's marker starts all its samples together, and each start submits its
 * first steps (about a dozen catalog calls each, on this one thread): unbounded, three submissions per sample
 * held back the samples still being concluded and started, whose jobs could not run yet anyway.
 */
const SUBMISSIONS_AT_ONCE = 2;

/**
 * What a step submission waits out before it takes its place: samples being concluded (`validate`) and their
 * executions being started. A marker that completes a run's 96 samples at once started them over ~3.5 s, and the
 * first steps of those already started took about a quarter of the catalog calls in between, on this one thread;
 * given way, the last start comes ~20 % sooner (README "Step submissions give way"). At most
 * {@link SUBMISSION_GIVES_WAY_MS}, so a stream of landing samples cannot hold every job back.
 */
const SUBMISSIONS_GIVE_WAY_TO: readonly FunctionName[] = ['validate', 'startWorkflow'];
const SUBMISSION_GIVES_WAY_MS = 3000;

/** How long `stop()` may take in all: `landfall up` must end within 10 s of SIGTERM, whatever it was doing. */
export const STOP_BUDGET_MS = 8000;

/** Waits for `work` at most `ms` (what is still running then is abandoned, as a crash would). */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export interface EmbeddedRuntimeOptions {
  config: LandfallConfig;
  configPath: string;
  stateDir: string;
  /** The watched instrument share. @default <stateDir>/share */
  shareDir?: string;
  /** Called for every event published on the bus (progress displays, tests). */
  onEvent?: (event: BusEvent) => void;
  onProblem?: (where: string, message: string) => void;
  onDeadLetter?: (entry: DeadLetter) => void;
  /**
   * The runtime cannot go on without losing work (the disk holding the state dir is full, or the catalog
   * server's thread ended): called once with one line saying what happened and what to do; the caller stops
   * the runtime (`landfall up` exits 1).
   * Without it the runtime only reports the failures through `onProblem` and keeps retrying.
   */
  onFatal?: (message: string) => void;
  /** Port of the dashboard on 127.0.0.1. @default 0 (any free port; runtime.json and `landfall up` tell which) */
  dashboardPort?: number;
}

/**
 * The embedded runtime (`landfall up`): the same rules, handlers and ASL as in AWS, run on one machine with
 * local stand-ins behind the seams — folders for S3, dynalite for DynamoDB, an in-process bus for
 * EventBridge, aws-local-stepfunctions for Step Functions, child processes for Batch, a watched folder for
 * the File Gateway share.
 */
export class EmbeddedRuntime {
  readonly layout: StateLayout;
  readonly services: Services;
  readonly bus: LocalEventBus;
  readonly executor: LocalBatchExecutor;
  readonly workflows: LocalWorkflowService;
  readonly watcher: ShareWatcher;
  readonly shareDir: string;
  /** Per-team outboxes and webhooks, fed by the per-team subscription rules installed on the bus. */
  readonly delivery: TeamDelivery;
  readonly #catalogServer: CatalogServer;
  /** Landed FASTQs' validation passes, in worker threads off this event loop (Services.filePass). */
  readonly #filePasses: FilePassPool;
  /** Step jobs' stage-in and stage-out phases, run on a thread of this process (runtime/executor/startStager.ts). */
  readonly #stager: Stager | undefined;
  readonly #control: ControlServer;
  readonly #dashboard: DashboardServer;
  readonly #timers: NodeJS.Timeout[] = [];
  /** The inactivity alarms, evaluated here as CloudWatch evaluates them in AWS. */
  readonly alarms: LocalAlarms;
  #alarmClock?: AlarmClock;
  #stopped = false;
  /** When this process started: staging written before it was abandoned by a runtime that died. */
  readonly #startedAt = new Date().toISOString();

  private constructor(parts: {
    layout: StateLayout;
    services: Services;
    bus: LocalEventBus;
    executor: LocalBatchExecutor;
    workflows: LocalWorkflowService;
    watcher: ShareWatcher;
    shareDir: string;
    delivery: TeamDelivery;
    catalogServer: CatalogServer;
    filePasses: FilePassPool;
    stager: Stager | undefined;
    control: ControlServer;
    dashboard: DashboardServer;
    alarms: LocalAlarms;
  }) {
    this.layout = parts.layout;
    this.services = parts.services;
    this.bus = parts.bus;
    this.executor = parts.executor;
    this.workflows = parts.workflows;
    this.watcher = parts.watcher;
    this.shareDir = parts.shareDir;
    this.delivery = parts.delivery;
    this.#catalogServer = parts.catalogServer;
    this.#filePasses = parts.filePasses;
    this.#stager = parts.stager;
    this.#control = parts.control;
    this.#dashboard = parts.dashboard;
    this.alarms = parts.alarms;
  }

  static async start(options: EmbeddedRuntimeOptions): Promise<EmbeddedRuntime> {
    const { config } = options;
    // Before anything starts: every routed pipeline exists and its programs are installed here.
    assertPipelinesRunnable(config, Object.keys(JOB_PROGRAMS));
    const stepImageCommands = await jobProgramCommands(projectRoot);
    // Everything this process and its jobs create is private to the runtime's user: folders 0700, files 0600
    // (buckets, catalog, bus log, outboxes, logs, runtime.json with the catalog's secret).
    process.umask(0o077);
    const layout = stateLayout(options.stateDir);
    let fatal = false;
    /** A full disk stops the runtime (once, with one line) instead of losing what could not be written. */
    const stopOnFullDisk = (file: string, code = 'ENOSPC') => {
      if (fatal) return;
      fatal = true;
      const message = diskFullMessage(layout.root, file, code);
      if (options.onFatal) options.onFatal(message);
      else options.onProblem?.('disk', message);
    };
    const shareDir = path.resolve(options.shareDir ?? layout.share);
    const names = bucketNames(config);
    for (const dir of [layout.root, layout.buckets, layout.catalog, layout.bus, layout.executor, layout.logs, shareDir])
      await mkdir(dir, { recursive: true, mode: 0o700 });
    // Each configured team's folder is there from the start, so a person sees where a run folder goes (issue 19).
    for (const team of config.teams) await mkdir(path.join(shareDir, team.id), { recursive: true, mode: 0o700 });
    // A state dir made by an older version (0755) is closed too: nothing under it is reachable by others.
    for (const dir of [layout.root, layout.buckets, layout.catalog, layout.bus, layout.executor, layout.logs]) await chmod(dir, 0o700);
    for (const bucket of new Set([
      names.landing,
      names.results,
      names.quarantine,
      ...config.regions.map((region) => names.workArea(region.name)),
    ])) {
      await mkdir(path.join(layout.buckets, bucket), { recursive: true });
    }

    // On its own thread: catalog round trips were the largest CPU cost on the handlers' event loop (issue 20).
    const catalogServer = await startCatalogThread(layout.catalog, {
      onUnexpectedExit: (message) => (options.onFatal ? options.onFatal(message) : options.onProblem?.('catalog', message)),
    });
    applyEnvironment({
      ...localAwsEnvironment({
        region: config.homeRegion,
        catalogEndpoint: catalogServer.endpoint,
        catalogCredentials: catalogServer.credentials,
      }),
      LANDFALL_STORAGE_ROOT: layout.buckets,
      // Every job starts Node programs (its watchdog, task runner, stage-in and stage-out, bundles of megabytes):
      // with V8's code cache on disk they are compiled once per runtime, not once per job (Node 22).
      NODE_COMPILE_CACHE: OUTSIDE_COMPILE_CACHE ?? path.join(layout.executor, 'node-compile-cache'),
    });
    // DynamoDB requests as messages to the catalog thread, not over a loopback socket, and unsigned (issue 20); at
    // most catalogMaxSockets at once, the rest wait in order, and the bus bounds how many functions make them.
    const catalogClient = new DynamoDBClient({
      endpoint: catalogServer.endpoint,
      requestHandler: catalogServer.requestHandler(config.embedded.catalogMaxSockets),
      signer: signNothing,
    });
    const catalog = new Catalog(tableNames(config).catalog, catalogClient);
    await catalog.ensureTable();
    await ensureIdempotencyTable(new DynamoDBClient({ endpoint: catalogServer.endpoint }), tableNames(config).idempotency);

    const storage = new FolderStorage(layout.buckets);
    const filePasses = new FilePassPool(layout.buckets);
    // Not fatal when it cannot start: each phase then runs as its own process, as in the step image.
    const stager = await startStager().catch((error: unknown) => {
      options.onProblem?.('executor', `the stager did not start (${String(error)}): each job phase runs as its own process`);
      return undefined;
    });
    let bus!: LocalEventBus;
    const publishFromExecutor = async (event: BusEvent) => {
      options.onEvent?.(event);
      await bus.publish([event]);
    };
    const executor = new LocalBatchExecutor({
      regions: config.regions.map((region) => ({
        name: region.name,
        vcpus: config.embedded.vcpusPerRegion,
        memoryMiB: config.embedded.memoryMiBPerRegion,
      })),
      stateDir: layout.root,
      logDir: path.join(layout.executor, 'logs'),
      cwd: projectRoot,
      commandAliases: stepImageCommands,
      ...(stager && { stager: { url: stager.url, token: stager.token } }),
      onStateChange: publishFromExecutor,
      warmWorkers: true,
    });
    const alarms = new LocalAlarms({ alarms: inactivityAlarms(config), region: config.homeRegion });
    const workflows = new LocalWorkflowService({
      stateMachines: stateMachinesOf(Object.values(pipelinesOf(config))),
      functions: Object.fromEntries(
        Object.entries(workflowFunctionPlaceholders).map(([placeholder, name]) => [
          placeholder,
          (payload: unknown) => invokeLocally(name, functionHandlers[name], payload),
        ]),
      ),
      functionConcurrency: { SubmitStepFunctionArn: SUBMISSIONS_AT_ONCE },
      // Only when more than one sample is being concluded or started (a run's wave: one may be the submission's
      // own, whose start it need not wait for), and no file pass is under way: a conclusion may be waiting for one
      // (off this thread), and a pipeline's first jobs waited for it with nothing gained (~0.9 s later).
      giveWay: {
        SubmitStepFunctionArn: async () => {
          if (bus.busyWith(SUBMISSIONS_GIVE_WAY_TO) > 1 && filePasses.idle)
            await bus.quietFor(SUBMISSIONS_GIVE_WAY_TO, SUBMISSION_GIVES_WAY_MS);
        },
      },
    });
    // The same per-team rules the stacks deploy as EventBridge rules → SQS/SNS, delivered to outboxes here.
    const delivery = new TeamDelivery({
      config,
      stateDir: layout.root,
      onError: (failure) => options.onProblem?.(`delivery to team ${failure.team}`, `${failure.target}: ${failure.error}`),
    });
    const busLogFile = path.join(layout.bus, BUS_LOG_NAME);
    bus = new LocalEventBus({
      rules: buildRules(config),
      subscriptions: delivery.subscriptions(),
      region: config.homeRegion,
      logDir: layout.bus,
      invoke: (target, event) => invokeLocally(target, functionHandlers[target], event),
      onDeadLetter: options.onDeadLetter,
      maxConcurrentDeliveries: config.embedded.maxConcurrentDeliveries,
      // Concluding a sample (a Lambda each in AWS) combines its files' verdicts, a few at once (above). A file's
      // own validation waits for a pool thread: waiting there it holds no general delivery place, so landing and
      // completeness are not queued behind passes.
      targetConcurrency: { validate: VALIDATIONS_AT_ONCE, validateFile: filePassThreads() },
      intakeTargets: INTAKE_FUNCTIONS,
      appendLog: async (file, text) => {
        await faultPoint('bus.appendLog'); // test-only: LANDFALL_FAULTS 'bus.appendLog' (a full disk)
        await mkdir(layout.bus, { recursive: true });
        await appendFile(path.join(layout.bus, file), text);
      },
      onLogFailure: (error) => {
        if (isDiskFull(error)) stopOnFullDisk(error.file, error.code);
        else options.onProblem?.('bus', `${error.message}; the publisher retries the event`);
      },
    });
    const observedBus = {
      publish: async (events: BusEvent[]) => {
        await bus.publish(events);
        for (const event of events) options.onEvent?.(event);
      },
    };
    const services: Services = {
      config,
      storage,
      // What the functions publish goes through PutEvents in AWS, which refuses AWS's own sources: so here too.
      events: {
        publish: async (events: BusEvent[]) => {
          assertPublishableSources(events);
          await observedBus.publish(events);
        },
      },
      workflows,
      jobs: executor,
      jobLogs: executor,
      catalog,
      metrics: alarms,
      capacity: executor,
      notifier: new LocalNotifier(config),
      filePass: filePasses.pass,
    };
    installServices(services);
    // start() first kills job process groups a previous runtime (killed with SIGKILL) left behind.
    await executor.start();
    // Then nothing of the last run writes any more: what its writers left half-done (a crash, a full disk) goes.
    const abandoned = await storage.removeAbandonedWrites();
    if (abandoned.length > 0)
      options.onProblem?.('storage', `removed ${counted(abandoned.length, 'partial write')} that processes which died left in the buckets`);
    // One process owns the state dir, so a fact claimed by another and never published was claimed by a
    // runtime that died before publishing it, or after publishing it and before recording that (then its
    // event is in the bus log). Claims that kept their event are relayed by the start-up sweep
    // (#startSchedules) unless logged; older ones, without it, are released now, before anything lands,
    // and the sweep's re-evaluation claims and publishes them again.
    for (const fact of await markLoggedFactsPublished(catalog, busLogFile)) {
      options.onProblem?.(
        'facts',
        `"${fact.detailType}" ${fact.dedupeKey} was published by a runtime that died before recording it: recorded now, not sent again`,
      );
    }
    for (const fact of await catalog.facts.releaseAbandoned()) {
      options.onProblem?.(
        'facts',
        `released "${fact.detailType}" ${fact.dedupeKey}, claimed at ${fact.claimedAt} by a runtime that died before publishing it`,
      );
    }
    armFaultTriggers(executor); // test-only: LANDFALL_FAULTS 'executor.onTouch'
    shortenJobTimeouts(executor); // test-only: LANDFALL_FAULTS 'executor.jobTimeoutSeconds'
    armCatalogRestarts(catalogServer, (message) => options.onProblem?.('catalog', message)); // test-only: 'catalog.restartOnTouch'

    // What the share holds now is reported afresh by the watcher's first scan: forget the last runtime's list.
    await catalog.shareSkips.clearAll();
    // One write at a time, in order: an entry reported and then fixed must end up cleared, not re-recorded.
    let skipWrites = Promise.resolve();
    const recordSkips = (write: () => Promise<void>) =>
      (skipWrites = skipWrites
        .then(write)
        .catch((error) => options.onProblem?.('share', `could not record a skipped entry: ${error.message}`)));
    const watcher = new ShareWatcher({
      shareDir,
      storage,
      landingBucket: names.landing,
      events: observedBus,
      region: config.homeRegion,
      settleMs: config.embedded.settleMs,
      pollMs: config.embedded.pollMs,
      rescanMs: config.embedded.rescanMs,
      stopTimeoutMs: 2000,
      // Back-pressure from the bus: files wait on the share while thousands of events wait for a handler.
      canLand: () => {
        const fileValidations = bus.waitingFor('validateFile');
        return bus.backlog - fileValidations < BUS_BACKLOG_LIMIT && fileValidations < FILE_VALIDATIONS_WAITING_LIMIT;
      },
      teams: config.teams.map((team) => team.id),
      onProblem: (file, message, error) => {
        if (isDiskFull(error)) stopOnFullDisk(path.join(layout.buckets, names.landing));
        else options.onProblem?.(file, message);
      },
      onSkipped: (entry) => {
        options.onProblem?.(path.join(shareDir, entry.path), entry.reason);
        recordSkips(() => catalog.shareSkips.record(entry));
      },
      onSkipCleared: (entry) => recordSkips(() => catalog.shareSkips.clear(entry.path)),
    });
    await watcher.start();

    await ensureTokens(layout.root, config);
    const control = await startControlServer({ bus: observedBus, stateDir: layout.root, services });
    const dashboard = await startDashboardServer({
      catalog,
      config,
      stateDir: layout.root,
      busLogFile,
      port: options.dashboardPort,
      services,
    });
    const runtime = new EmbeddedRuntime({
      layout,
      services,
      bus,
      executor,
      workflows,
      watcher,
      shareDir,
      delivery,
      catalogServer,
      filePasses,
      stager,
      control,
      dashboard,
      alarms,
    });
    runtime.#startSchedules(config);
    runtime.#startAlarmClock(config, options);
    await runtime.#writeRuntimeInfo(options.configPath);
    return runtime;
  }

  /** The dashboard's address on 127.0.0.1 (sign in with a token from tokens.json). */
  get dashboardUrl(): string {
    return this.#dashboard.url;
  }

  /** Resolves when nothing is settling on the share, in flight on the bus, running as a workflow or a job. */
  async waitForIdle(): Promise<void> {
    for (;;) {
      await this.bus.drain();
      await this.workflows.waitForIdle();
      if (this.watcher.pendingCount === 0 && this.bus.inFlight === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Schedule rules: a timer per rule publishing the "Scheduled Event" EventBridge would deliver, and one
   * run at start (`detail.startup`), so the reconciliation sweep recovers what a killed runtime left.
   */
  #startSchedules(config: LandfallConfig): void {
    for (const rule of buildRules(config)) {
      // Activity is published by the alarm clock, aligned with the periods it evaluates.
      if (!rule.scheduleSeconds || rule.target === 'publishActivity') continue;
      const event = (detail: Record<string, unknown>) => scheduledEvent({ region: config.homeRegion, ruleName: rule.name, detail });
      void this.bus.publish([event({ startup: true, startedAt: this.#startedAt })]).catch(() => undefined);
      // Every sweep says when this runtime started: work last heard of before that died with the one before.
      this.#timers.push(
        setInterval(
          () => void this.bus.publish([event({ startedAt: this.#startedAt })]).catch(() => undefined),
          rule.scheduleSeconds * 1000,
        ),
      );
    }
  }

  /**
   * The inactivity alarms' clock: each period the `publish-region-activity` rule's function publishes the
   * regions' activity into the local alarms, which then evaluate and put their state changes on the bus.
   */
  #startAlarmClock(config: LandfallConfig, options: EmbeddedRuntimeOptions): void {
    const rule = buildRules(config).find((candidate) => candidate.target === 'publishActivity')!;
    this.#alarmClock = new AlarmClock({
      alarms: this.alarms,
      periodSeconds: config.idle.periodSeconds,
      sample: () =>
        invokeLocally(
          rule.target,
          functionHandlers[rule.target],
          scheduledEvent({ region: config.homeRegion, ruleName: rule.name, time: new Date().toISOString() }),
        ),
      publish: async (events) => {
        for (const event of events) options.onEvent?.(event);
        await this.bus.publish(events);
      },
      onProblem: (message) => options.onProblem?.('alarms', message),
    });
    this.#alarmClock.start();
  }

  /**
   * Stops everything this runtime started: the share watcher, executions, job processes, the catalog server —
   * within {@link STOP_BUDGET_MS} whatever it was doing (SIGTERM must work in every state). Producers stop
   * first (share, jobs, workflows), each waiting a bounded time for work in flight, then the bus and team
   * deliveries, then the catalog. Work cut short is what a crash would leave, and the next start recovers it
   * (outbox relay, sweep, job re-submission).
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#alarmClock?.stop();
    const deadline = Date.now() + STOP_BUDGET_MS;
    const left = () => Math.max(0, deadline - Date.now());
    await within(Promise.all([this.#dashboard.close(), this.#control.close()]), 1000);
    await within(Promise.all([this.watcher.stop(), this.executor.stop(), this.workflows.stop(1500)]), Math.min(left(), 4500));
    await within(Promise.all([this.bus.close(1500).catch(() => undefined), this.delivery.close()]), Math.min(left(), 2000));
    await within(Promise.all([this.#filePasses.close(), this.#stager?.close()]), Math.min(left(), 1000));
    await within(this.#catalogServer.close(), Math.min(left(), 1500));
    await rm(this.layout.runtimeFile, { force: true });
  }

  async #writeRuntimeInfo(configPath: string): Promise<void> {
    const info: RuntimeInfo = {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      stateDir: this.layout.root,
      shareDir: this.shareDir,
      configPath,
      ports: { catalog: this.#catalogServer.port, control: this.#control.port, dashboard: this.#dashboard.port },
      catalogCredentials: this.#catalogServer.credentials,
    };
    const temp = `${this.layout.runtimeFile}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, this.layout.runtimeFile);
  }
}
