/**
 * The embedded runtime's multi-container tasks: the dependency conditions and essential containers of a Batch
 * `ecsProperties` job, as host processes, with the task metadata document containers read about each other.
 */
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rewriteMountPath } from '../../../runtime/executor/LocalBatchExecutor.ts';
import { startStager } from '../../../runtime/executor/startStager.ts';
import type { JobContainer } from '../../../seams/jobs/JobService.ts';
import { PHASE_COMMANDS } from '../../../workflows/job/stepContainers.ts';
import { liveProcesses } from '../../support/processTree.ts';
import { createExecutor, type ExecutorHarness, nodeJob, REGION, waitAllDead } from './executorFixture.ts';

const node = (script: string) => [process.execPath, '-e', script];
const container = (name: string, script: string, extra: Partial<JobContainer> = {}): JobContainer => ({
  name,
  image: 'x',
  command: node(script),
  essential: false,
  ...extra,
});
/** Prints the task metadata this container sees, as one JSON line. */
const PRINT_METADATA = `fetch(process.env.ECS_CONTAINER_METADATA_URI_V4 + '/task').then((r) => r.json()).then((t) => console.log('METADATA ' + JSON.stringify(t.Containers)))`;

/** Live task runners (taskRunner.mjs) whose parent is `ppid`. */
const taskRunnersOf = (ppid: number) => liveProcesses((process) => process.ppid === ppid && process.cmdline.includes('taskRunner.mjs'));

describe('LocalBatchExecutor multi-container tasks', () => {
  let harness: ExecutorHarness;
  afterEach(async () => harness?.dispose());

  async function runTask(
    containers: JobContainer[],
    extra: Parameters<typeof nodeJob>[2] = {},
    options: Parameters<typeof createExecutor>[0] = {},
  ) {
    harness = createExecutor(options);
    await harness.executor.start();
    const { jobId } = await harness.executor.submit(nodeJob('task', '', { containers, sharedVolume: '/landfall', ...extra }));
    const done = await harness.executor.waitUntilDone(jobId);
    return { done, log: await readFile(harness.executor.logPath('task', 1), 'utf8') };
  }

  it('starts a container only when the one it depends on succeeded, and ends with the essential container', async () => {
    // Act
    const { done, log } = await runTask([
      container('first', "console.log('first ran')"),
      container('second', "console.log('second ran')", { dependsOn: [{ containerName: 'first', condition: 'SUCCESS' }] }),
      container('last', `${PRINT_METADATA}.then(() => process.exit(4))`, {
        essential: true,
        dependsOn: [{ containerName: 'second', condition: 'COMPLETE' }],
      }),
    ]);
    // Assess
    expect(done.status).toBe('FAILED');
    expect(done.exitCode).toBe(4);
    expect(log.indexOf('first ran')).toBeLessThan(log.indexOf('second ran'));
    const metadata = JSON.parse(/^METADATA (.*)$/m.exec(log)![1]!) as Array<{ Name: string; ExitCode?: number; KnownStatus: string }>;
    expect(metadata.map(({ Name, ExitCode, KnownStatus }) => ({ Name, ExitCode, KnownStatus }))).toEqual([
      { Name: 'first', ExitCode: 0, KnownStatus: 'STOPPED' },
      { Name: 'second', ExitCode: 0, KnownStatus: 'STOPPED' },
      { Name: 'last', KnownStatus: 'RUNNING' },
    ]);
  });

  it('never starts a container whose SUCCESS dependency failed, nor one that depends on that one, whatever its condition', async () => {
    // As the ECS agent decides: a dependency that stopped without ever starting "will never start", so a
    // COMPLETE dependent of it is stopped too (amazon-ecs-agent dependencygraph), with 143, and the task ends so.
    const { done, log } = await runTask([
      container('first', "console.error('bad input'); process.exit(65)"),
      container('second', "console.log('SECOND MUST NOT RUN')", { dependsOn: [{ containerName: 'first', condition: 'SUCCESS' }] }),
      container('last', PRINT_METADATA, { essential: true, dependsOn: [{ containerName: 'second', condition: 'COMPLETE' }] }),
    ]);
    expect(done.status).toBe('FAILED');
    expect(done.exitCode).toBe(143);
    expect(log).not.toContain('SECOND MUST NOT RUN');
    expect(log).not.toContain('METADATA');
    expect(log).toContain('second: not started: a dependency condition can never be satisfied');
    expect(log).toContain('last: not started: a dependency condition can never be satisfied');
  });

  it('starts a COMPLETE dependent of a container that ran and failed', async () => {
    const { done, log } = await runTask([
      container('first', "console.error('tool failed'); process.exit(3)"),
      container('last', PRINT_METADATA, { essential: true, dependsOn: [{ containerName: 'first', condition: 'COMPLETE' }] }),
    ]);
    expect(done.status).toBe('SUCCEEDED');
    const metadata = JSON.parse(/^METADATA (.*)$/m.exec(log)![1]!) as Array<{ ExitCode?: number }>;
    expect(metadata.map((entry) => entry.ExitCode)).toEqual([3, undefined]);
  });

  it('keeps the last 20 stderr lines of each container where the metadata says', async () => {
    const { log } = await runTask([
      container('noisy', 'for (let i = 1; i <= 25; i++) console.error(`line ${i}`)'),
      container(
        'last',
        `fetch(process.env.ECS_CONTAINER_METADATA_URI_V4 + '/task').then((r) => r.json()).then((t) => console.log('TAIL ' + JSON.stringify(require('node:fs').readFileSync(t.Containers[0].LogOptions['landfall-log-tail'], 'utf8'))))`,
        { essential: true, dependsOn: [{ containerName: 'noisy', condition: 'COMPLETE' }] },
      ),
    ]);
    const tail = JSON.parse(/^TAIL (.*)$/m.exec(log)![1]!) as string;
    expect(tail.trim().split('\n')).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i + 6}`));
  });

  it('gives each attempt its own folder for the shared volume, named in argv and environment', async () => {
    const { done, log } = await runTask(
      [
        container('write', "require('node:fs').writeFileSync(process.argv[1] + '/x.txt', process.env.WHERE)", {
          command: [...node("require('node:fs').writeFileSync(process.argv[1] + '/x.txt', process.env.WHERE)"), '/landfall'],
          environment: { WHERE: '/landfall/x.txt' },
        }),
        container('read', '', {
          essential: true,
          command: [
            ...node("console.log('READ ' + require('node:fs').readFileSync(process.argv[1], 'utf8') + ' ' + process.argv[1])"),
            '/landfall/x.txt',
          ],
          dependsOn: [{ containerName: 'write', condition: 'SUCCESS' }],
        }),
      ],
      {},
    );
    expect(done.status).toBe('SUCCEEDED');
    const [, content, file] = /^READ (\S+) (\S+)$/m.exec(log)!;
    expect(content).toBe(file);
    expect(file).toMatch(/executor\/tasks\/task\/attempt-1\/volume\/x\.txt$/);
  });

  it('reports a program that is not installed as exit code 127 with its name', async () => {
    const { done, log } = await runTask([
      container('tool', '', { command: ['landfall-no-such-program', '--version'] }),
      container('last', PRINT_METADATA, { essential: true, dependsOn: [{ containerName: 'tool', condition: 'COMPLETE' }] }),
    ]);
    expect(done.status).toBe('SUCCEEDED'); // the essential container decides; stage-out turns 127 into the job's code
    const metadata = JSON.parse(/^METADATA (.*)$/m.exec(log)![1]!) as Array<{ Name: string; ExitCode?: number }>;
    expect(metadata[0]).toMatchObject({ Name: 'tool', ExitCode: 127 });
    expect(log).toContain('tool: cannot run landfall-no-such-program: spawn landfall-no-such-program ENOENT');
  });

  it('runs a job on the task runner started while the job before it ran (a spare), and keeps none once the work is done', async () => {
    // Prepare: one vCPU, so the second job waits for the first
    harness = createExecutor({ regions: [{ name: REGION, vcpus: 1, memoryMiB: 4096 }] });
    await harness.executor.start();
    const first = await harness.executor.submit(
      nodeJob('first', '', { containers: [container('tool', 'setTimeout(() => {}, 500)', { essential: true })] }),
    );
    await harness.waitForStatus(first.jobId, 'RUNNING');
    const firstRunner = harness.executor.listJobs().find((job) => job.jobId === first.jobId)?.pid;
    const spares = taskRunnersOf(process.pid).filter((pid) => pid !== firstRunner);

    // Act
    const second = await harness.executor.submit(
      nodeJob('second', '', { containers: [container('tool', "console.log('RUNNER ' + process.ppid)", { essential: true })] }),
    );
    const done = await harness.executor.waitUntilDone(second.jobId);

    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(spares).toHaveLength(1);
    const log = await readFile(harness.executor.logPath('second', 1), 'utf8');
    expect(Number(/^RUNNER (\d+)$/m.exec(log)?.[1])).toBe(spares[0]);
    expect(await waitAllDead(spares, 5_000)).toEqual([]);
    await vi.waitFor(() => expect(taskRunnersOf(process.pid)).toEqual([]), { timeout: 5_000 });
  });

  it('starts no further container once the task is stopped: a container waiting on COMPLETE does not run after TerminateJob', async () => {
    // Prepare
    harness = createExecutor();
    await harness.executor.start();
    const { jobId } = await harness.executor.submit(
      nodeJob('task', '', {
        containers: [
          container('tool', "console.log('tool started'); setInterval(() => {}, 1000)"),
          container('stage-out', "console.log('STAGE-OUT MUST NOT RUN')", {
            essential: true,
            dependsOn: [{ containerName: 'tool', condition: 'COMPLETE' }],
          }),
        ],
      }),
    );
    const logFile = harness.executor.logPath('task', 1);
    await vi.waitFor(async () => expect(await readFile(logFile, 'utf8')).toContain('tool started'), { timeout: 10_000 });

    // Act
    harness.executor.terminateJob(jobId, 'Terminated by the test');
    const done = await harness.executor.waitUntilDone(jobId);

    // Assess
    expect(done).toMatchObject({ status: 'FAILED', statusReason: 'Terminated by the test' });
    const log = await readFile(logFile, 'utf8');
    expect(log).not.toContain('STAGE-OUT MUST NOT RUN');
    expect(log).toContain('stage-out: not started: the task was stopped');
  });

  describe('stage phases on the runtime’s stager', () => {
    const phases = {
      commandAliases: { [PHASE_COMMANDS.stageIn]: node("console.log('stage-in ran as a process')") },
    };
    const stageInThenTool = (): JobContainer[] => [
      { name: 'stage-in', image: 'x', command: [PHASE_COMMANDS.stageIn], essential: false },
      container('tool', "console.log('tool ran, stager token ' + (process.env.LANDFALL_STAGER_TOKEN ? 'SEEN' : 'unseen'))", {
        essential: true,
        dependsOn: [{ containerName: 'stage-in', condition: 'SUCCESS' }],
      }),
    ];

    it('runs a phase as its own process when the stager cannot be reached', async () => {
      // Act: nothing listens on port 1
      const { done, log } = await runTask(stageInThenTool(), {}, { ...phases, stager: { url: 'http://127.0.0.1:1', token: 't' } });
      // Assess
      expect(done.status, log).toBe('SUCCEEDED');
      expect(log).toContain('stage-in: stager unreachable');
      expect(log.indexOf('stage-in ran as a process')).toBeLessThan(log.indexOf('tool ran'));
      // The token reaches the task runner in its environment and no container inherits it.
      expect(log).toContain('tool ran, stager token unseen');
    });

    it('fails the phase, with the reason in its tail, when the stager refuses the request (a wrong token)', async () => {
      // Prepare
      const stager = await startStager();
      try {
        // Act
        const { done, log } = await runTask(stageInThenTool(), {}, { ...phases, stager: { url: stager.url, token: 'not-the-token' } });
        // Assess: the tool never starts, no process ran the phase
        expect(done.status, log).toBe('FAILED');
        expect(log).toContain('stage-in: the stager answered 401');
        expect(log).not.toContain('stage-in ran as a process');
        expect(log).not.toContain('tool ran');
      } finally {
        await stager.close();
      }
    });
  });
});

describe('LocalBatchExecutor: a job’s vCPUs serve its tool containers, not its stage phases', () => {
  let harness: ExecutorHarness;
  afterEach(async () => harness?.dispose());

  /** A container that prints `AT <job> <what> <ms>` when it starts and ends, and sleeps `ms` between. */
  const timed = (what: string, ms: number) =>
    node(
      `const say = (edge) => console.log('AT ' + process.env.JOB + ' ${what}-' + edge + ' ' + Date.now()); say('start'); setTimeout(() => say('end'), ${ms})`,
    );
  const phases = {
    regions: [{ name: REGION, vcpus: 2, memoryMiB: 4096 }],
    commandAliases: { [PHASE_COMMANDS.stageIn]: timed('stage-in', 100), [PHASE_COMMANDS.stageOut]: timed('stage-out', 500) },
  };
  /** A step-shaped job of 2 vCPUs (the whole region): stage-in → tool (`toolMs`) → stage-out. */
  const stepJob = (name: string, toolMs: number, extra: Parameters<typeof nodeJob>[2] = {}) =>
    nodeJob(name, '', {
      vcpus: 2,
      environment: { JOB: name },
      containers: [
        { name: 'stage-in', image: 'x', command: [PHASE_COMMANDS.stageIn], essential: false },
        { ...container('tool', ''), command: timed('tool', toolMs), dependsOn: [{ containerName: 'stage-in', condition: 'SUCCESS' }] },
        {
          name: 'stage-out',
          image: 'x',
          command: [PHASE_COMMANDS.stageOut],
          essential: true,
          dependsOn: [{ containerName: 'tool', condition: 'COMPLETE' }],
        },
      ],
      ...extra,
    });
  /** When each job's containers started and ended, from their logs: `at.B['tool-start']`. */
  async function timeline(names: string[]): Promise<Record<string, Record<string, number>>> {
    const at: Record<string, Record<string, number>> = {};
    for (const name of names) {
      const log = await readFile(harness.executor.logPath(name, 1), 'utf8');
      at[name] = Object.fromEntries([...log.matchAll(/^AT \S+ (\S+) (\d+)$/gm)].map((match) => [match[1]!, Number(match[2])]));
    }
    return at;
  }

  it('stages the next job’s inputs while a tool has the vCPUs, starts its tool as that tool ends, and never runs two tools past the capacity', async () => {
    // Prepare
    harness = createExecutor(phases);
    await harness.executor.start();

    // Act: three jobs of the region's whole capacity
    const jobs = [];
    for (const name of ['A', 'B', 'C']) jobs.push(await harness.executor.submit(stepJob(name, 600)));
    const done = await Promise.all(jobs.map(({ jobId }) => harness.executor.waitUntilDone(jobId)));

    // Assess
    expect(done.map((job) => job.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    const { A, B, C } = await timeline(['A', 'B', 'C']);
    // B staged ahead: its stage-in ran while A's tool ran; its tool waited for A's.
    expect(B!['stage-in-start']).toBeLessThan(A!['tool-end']!);
    expect(B!['tool-start']).toBeGreaterThanOrEqual(A!['tool-end']!);
    // A's stage-out held no vCPUs: B's tool started before it ended.
    expect(B!['tool-start']).toBeLessThan(A!['stage-out-end']!);
    // At most the region's vCPUs staged ahead (one 2-vCPU job): C's inputs waited until B had the vCPUs.
    const [, b] = done;
    expect(C!['stage-in-start']).toBeGreaterThanOrEqual(b!.startedAt!);
    expect(C!['tool-start']).toBeGreaterThanOrEqual(B!['tool-end']!);
    // B was STARTING, not RUNNING, while it waited; RUNNING (and its runtime) begins when its tool may start.
    expect(harness.statuses(jobs[1]!.jobId)).toEqual(['RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED']);
    expect(b!.startedAt).toBeGreaterThanOrEqual(A!['tool-end']!);
    expect(b!.startedAt).toBeLessThanOrEqual(B!['tool-start']!);
  });

  it('stages ahead as many jobs as the region has vCPUs for: two 1-vCPU jobs on 2 vCPUs, and no third', async () => {
    // Prepare
    harness = createExecutor(phases);
    await harness.executor.start();

    // Act: five 1-vCPU jobs; A and B take the region's 2 vCPUs
    const names = ['A', 'B', 'C', 'D', 'E'];
    const jobs = [];
    for (const name of names) jobs.push(await harness.executor.submit(stepJob(name, 600, { vcpus: 1 })));
    const done = await Promise.all(jobs.map(({ jobId }) => harness.executor.waitUntilDone(jobId)));

    // Assess
    expect(done.every((job) => job.status === 'SUCCEEDED')).toBe(true);
    const at = await timeline(names);
    const firstToolEnd = Math.min(at.A!['tool-end']!, at.B!['tool-end']!);
    expect(at.C!['stage-in-start']).toBeLessThan(firstToolEnd);
    expect(at.D!['stage-in-start']).toBeLessThan(firstToolEnd);
    // E launched only once C or D had its vCPUs (startedAt: when a job staged ahead gets them)
    const [, , c, d] = done;
    expect(at.E!['stage-in-start']).toBeGreaterThanOrEqual(Math.min(c!.startedAt!, d!.startedAt!));
    // Never more than 2 tools at once
    const edges = names.flatMap((name) => [
      [at[name]!['tool-start']!, 1],
      [at[name]!['tool-end']!, -1],
    ]);
    edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    let running = 0;
    for (const [, step] of edges) expect((running += step!)).toBeLessThanOrEqual(2);
  });

  it('counts a job staged ahead against its timeout only from when it has its vCPUs', async () => {
    // Prepare
    harness = createExecutor(phases);
    await harness.executor.start();

    // Act: B waits about 1.5 s for A's tool, longer than its whole 1 s timeout
    const a = await harness.executor.submit(stepJob('A', 1_500));
    const b = await harness.executor.submit(stepJob('B', 100, { timeoutSeconds: 1 }));
    const [doneA, doneB] = await Promise.all([harness.executor.waitUntilDone(a.jobId), harness.executor.waitUntilDone(b.jobId)]);

    // Assess
    expect(doneA.status).toBe('SUCCEEDED');
    expect(doneB.status, doneB.statusReason).toBe('SUCCEEDED');
    const { A, B } = await timeline(['A', 'B']);
    expect(B!['stage-in-end']).toBeLessThan(A!['tool-end']! - 1_000);
  });

  it('gives back nothing twice: a job whose tool fails to start still frees its vCPUs for the next', async () => {
    // Prepare
    harness = createExecutor(phases);
    await harness.executor.start();

    // Act: A's stage-in fails (so its tool never asks for the vCPUs); B must still run
    const failing = stepJob('A', 100);
    failing.containers![0] = container('stage-in', 'process.exit(3)');
    const a = await harness.executor.submit(failing);
    const b = await harness.executor.submit(stepJob('B', 100));
    const [doneA, doneB] = await Promise.all([harness.executor.waitUntilDone(a.jobId), harness.executor.waitUntilDone(b.jobId)]);

    // Assess
    expect(doneA).toMatchObject({ status: 'FAILED', exitCode: 143 }); // stage-out never starts either, as on ECS
    expect(doneB.status).toBe('SUCCEEDED');
    expect(harness.executor.regionUsage()[0]).toMatchObject({ vcpusInUse: 0, memoryMiBInUse: 0 });
  });
});

describe('rewriteMountPath', () => {
  it.each([
    { case: 'an argv path', text: '/landfall/out/S1.bam', expected: '/tmp/v/out/S1.bam' },
    { case: 'the mount alone', text: '/landfall', expected: '/tmp/v' },
    {
      case: 'paths inside shell text',
      text: 'bwa mem /landfall/in/ref/g.fa > /landfall/out/x',
      expected: 'bwa mem /tmp/v/in/ref/g.fa > /tmp/v/out/x',
    },
    { case: 'a quoted path', text: "'/landfall/out'", expected: "'/tmp/v/out'" },
    { case: 'a longer name', text: '/landfallen/x', expected: '/landfallen/x' },
    { case: 'a nested folder of that name', text: '/srv/landfall/x', expected: '/srv/landfall/x' },
    { case: 'a state dir', text: '/tmp/.landfall/x', expected: '/tmp/.landfall/x' },
  ])('rewrites $case', ({ text, expected }) => {
    expect(rewriteMountPath(text, '/landfall', '/tmp/v')).toBe(expected);
  });
});
