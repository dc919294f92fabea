import { placeJob } from '../functions/placement/placeJob.ts';
import { pickMoves } from '../functions/placement/rebalance.ts';
import type { RegionState, Reservation } from '../functions/placement/types.ts';
import { stepPriority } from '../functions/workflow/priority.ts';
import { definePipeline, type Pipeline } from '../workflows/pipeline.ts';

/**
 * A discrete-event simulation of Batch regions driven by the REAL placement function: jobs are placed when
 * they become ready, staged when their inputs are elsewhere, then queued per region (priority, then FIFO;
 * a smaller job may pass a bigger one that does not fit yet, as in the local executor). Priorities come from
 * the REAL priority function (functions/workflow/priority.ts) over the workload's steps as a pipeline.
 * Simulated clock, seeded randomness: the same inputs give the same schedule.
 */

export interface SimRegion {
  name: string;
  vcpuQuota: number;
  preference: number;
}

export interface SimStep {
  name: string;
  seconds: number;
  vcpus: number;
  /** Steps of the same sample that must finish first. */
  needs: string[];
  /** Early step (see workflows/pipeline.ts): a higher priority class. @default false */
  early?: boolean;
}

export interface SimWorkload {
  regions: SimRegion[];
  homeRegion: string;
  samples: number;
  steps: SimStep[];
  /** Run-level step, started once every sample's steps are done. */
  report: { seconds: number; vcpus: number };
  gbPerSample: number;
  transferSecondsPerGb: number;
  urgentFraction: number;
  seed: number;
}

export interface SimJob {
  id: string;
  sample: number;
  step: string;
  vcpus: number;
  seconds: number;
  priority: number;
  urgent: boolean;
  region?: string;
  readyAt?: number;
  startedAt?: number;
  endedAt?: number;
  seq: number;
}

export interface SimResult {
  makespan: number;
  jobs: SimJob[];
  placedRemote: number;
  /** Queued jobs moved by the rebalancer. */
  moved: number;
}

/** mulberry32: a tiny seeded PRNG, so the urgent samples are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The workload's steps as a pipeline definition, so the real priority function can rank them. */
export function simPipeline(workload: Pick<SimWorkload, 'steps'>): Pipeline {
  return definePipeline({
    name: 'bench',
    version: '1',
    description: 'the placement bench workload',
    steps: workload.steps.map((step) => ({
      name: step.name,
      description: step.name,
      needs: step.needs,
      vcpus: step.vcpus,
      memoryMiB: 1024,
      timeoutSeconds: step.seconds * 10,
      expectedSeconds: step.seconds,
      image: 'landfall',
      command: ['landfall-step', step.name],
      early: step.early ?? false,
    })),
  });
}

/** Total work over total capacity, or the critical path, whichever is larger. */
export function lowerBound(workload: SimWorkload): { bound: number; workBound: number; criticalPath: number } {
  const perSample = workload.steps.reduce((sum, step) => sum + step.seconds * step.vcpus, 0);
  const work = perSample * workload.samples + workload.report.seconds * workload.report.vcpus;
  const capacity = workload.regions.reduce((sum, region) => sum + region.vcpuQuota, 0);
  const finish = new Map<string, number>();
  for (const step of workload.steps) finish.set(step.name, Math.max(0, ...step.needs.map((need) => finish.get(need) ?? 0)) + step.seconds);
  const criticalPath = Math.max(...finish.values()) + workload.report.seconds;
  const workBound = work / capacity;
  return { bound: Math.max(workBound, criticalPath), workBound, criticalPath };
}

interface Hooks {
  /** Let idle regions take queued jobs from the back of other queues (functions/placement/rebalance.ts). @default true */
  rebalance?: boolean;
  /** Priority of a step job. @default stepPriority, the one submitStep gives the job (functions/workflow/priority.ts) */
  priority?: (pipeline: Pipeline, step: string, urgent: boolean) => number;
  /** Extra samples to submit at given times (the urgent-into-backlog scenario). */
  inject?: Array<{ at: number; sample: number; urgent: boolean }>;
}

/** Runs the workload to completion and returns every job with its region and times. */
export function simulate(workload: SimWorkload, hooks: Hooks = {}): SimResult {
  const random = seededRandom(workload.seed);
  const urgentSamples = new Set<number>();
  for (let sample = 0; sample < workload.samples; sample++) if (random() < workload.urgentFraction) urgentSamples.add(sample);
  const GB = 1024 ** 3;
  const pipeline = simPipeline(workload);
  const priorityOf = hooks.priority ?? ((of: Pipeline, step: string, urgent: boolean) => stepPriority(of, step, { urgent }));
  const jobs: SimJob[] = [];
  const dataReadyAt = new Map<string, number>(); // `${sample}@${region}` → when staged inputs are there
  const done = new Set<string>(); // `${sample}/${step}`
  let seq = 0;
  let now = 0;
  let placedRemote = 0;
  let moved = 0;
  const completions: number[] = [];

  const reservationsIn = (region: string): Reservation[] =>
    jobs
      .filter((job) => job.region === region && job.endedAt === undefined)
      .map((job) => ({
        vcpus: job.vcpus,
        memoryMiB: 1024,
        expectedSeconds: job.seconds,
        priority: job.priority,
        ...(job.startedAt !== undefined && { runningForSeconds: now - job.startedAt }),
      }));

  const submit = (sample: number, step: string, vcpus: number, seconds: number, priority: number, inputBytes: number) => {
    const job: SimJob = { id: `${sample}/${step}`, sample, step, vcpus, seconds, priority, urgent: urgentSamples.has(sample), seq: ++seq };
    const dataRegions = [workload.homeRegion, ...workload.regions.filter((r) => dataReadyAt.has(`${sample}@${r.name}`)).map((r) => r.name)];
    const states: RegionState[] = workload.regions.map((region) => ({
      name: region.name,
      vcpuQuota: region.vcpuQuota,
      memoryMiB: region.vcpuQuota * 4096,
      preference: region.preference,
      transferCostPerGb: 0.02,
      transferSecondsPerGb: workload.transferSecondsPerGb,
      healthy: true,
      reservations: reservationsIn(region.name),
    }));
    const decision = placeJob(
      { jobName: job.id, vcpus, memoryMiB: 1024, expectedSeconds: seconds, inputBytes, dataRegions, priority },
      states,
      workload.homeRegion,
    );
    job.region = decision.region;
    const key = `${sample}@${decision.region}`;
    if (decision.region !== workload.homeRegion && inputBytes > 0 && !dataReadyAt.has(key)) {
      dataReadyAt.set(key, now + (inputBytes / GB) * workload.transferSecondsPerGb);
      placedRemote++;
    }
    job.readyAt = decision.region === workload.homeRegion || inputBytes === 0 ? now : Math.max(now, dataReadyAt.get(key) ?? now);
    jobs.push(job);
  };

  const submitReady = (sample: number) => {
    const urgent = urgentSamples.has(sample);
    for (const step of workload.steps) {
      if (done.has(`${sample}/${step.name}`) || jobs.some((job) => job.id === `${sample}/${step.name}`)) continue;
      if (step.needs.every((need) => done.has(`${sample}/${need}`)))
        submit(sample, step.name, step.vcpus, step.seconds, priorityOf(pipeline, step.name, urgent), workload.gbPerSample * GB);
    }
  };

  // As the runtime does (functions/placement/rebalanceInto.ts): only into a region where a job just finished.
  const rebalance = (freed: ReadonlySet<string>) => {
    const view = workload.regions.map((region) => {
      const mine = jobs.filter((job) => job.region === region.name && job.endedAt === undefined);
      const running = mine.filter((job) => job.startedAt !== undefined);
      const queue = mine
        .filter((job) => job.startedAt === undefined && (job.readyAt ?? Infinity) <= now && job.step !== 'report')
        .sort((a, b) => b.priority - a.priority || a.seq - b.seq)
        .map((job) => ({
          jobName: job.id,
          vcpus: job.vcpus,
          memoryMiB: 1024,
          expectedSeconds: job.seconds,
          priority: job.priority,
          inputBytes: workload.gbPerSample * GB,
          dataRegions: [
            workload.homeRegion,
            ...workload.regions.filter((r) => dataReadyAt.has(`${job.sample}@${r.name}`)).map((r) => r.name),
          ],
        }));
      return {
        name: region.name,
        vcpuQuota: region.vcpuQuota,
        transferSecondsPerGb: workload.transferSecondsPerGb,
        healthy: true,
        freeVcpus: region.vcpuQuota - running.reduce((sum, job) => sum + job.vcpus, 0),
        runningWork: running.reduce((sum, job) => sum + job.vcpus * (job.seconds - (now - job.startedAt!)), 0),
        queue,
      };
    });
    for (const move of pickMoves(view).filter((candidate) => freed.has(candidate.to))) {
      const job = jobs.find((candidate) => candidate.id === move.jobName)!;
      const key = `${job.sample}@${move.to}`;
      if (!dataReadyAt.has(key) && move.to !== workload.homeRegion) {
        dataReadyAt.set(key, now + workload.gbPerSample * workload.transferSecondsPerGb);
        placedRemote++;
      }
      job.region = move.to;
      job.readyAt = move.to === workload.homeRegion ? now : Math.max(now, dataReadyAt.get(key)!);
      moved++;
    }
  };

  const dispatch = () => {
    for (const region of workload.regions) {
      let used = jobs
        .filter((job) => job.region === region.name && job.startedAt !== undefined && job.endedAt === undefined)
        .reduce((sum, job) => sum + job.vcpus, 0);
      const queued = jobs
        .filter((job) => job.region === region.name && job.startedAt === undefined && (job.readyAt ?? Infinity) <= now)
        .sort((a, b) => b.priority - a.priority || a.seq - b.seq);
      for (const job of queued) {
        if (used + job.vcpus > region.vcpuQuota) continue;
        job.startedAt = now;
        used += job.vcpus;
      }
    }
  };

  for (let sample = 0; sample < workload.samples; sample++) submitReady(sample);
  const pendingInjections = [...(hooks.inject ?? [])].sort((a, b) => a.at - b.at);
  let reportSubmitted = false;
  dispatch();
  for (;;) {
    const running = jobs.filter((job) => job.startedAt !== undefined && job.endedAt === undefined);
    const nextEnd = Math.min(...running.map((job) => job.startedAt! + job.seconds));
    const nextReady = Math.min(...jobs.filter((job) => job.startedAt === undefined && (job.readyAt ?? 0) > now).map((job) => job.readyAt!));
    const nextInject = pendingInjections[0]?.at ?? Infinity;
    const next = Math.min(nextEnd, nextReady, nextInject);
    if (next === Infinity) break;
    now = next;
    for (const job of running) {
      if (job.startedAt! + job.seconds <= now) {
        job.endedAt = now;
        done.add(job.id);
        completions.push(now);
      }
    }
    while (pendingInjections[0] && pendingInjections[0].at <= now) {
      const injection = pendingInjections.shift()!;
      if (injection.urgent) urgentSamples.add(injection.sample);
      submitReady(injection.sample);
    }
    for (const job of running) if (job.endedAt === now && job.step !== 'report') submitReady(job.sample);
    const sampleJobsDone =
      jobs.filter((job) => job.step !== 'report').every((job) => job.endedAt !== undefined) && pendingInjections.length === 0;
    if (sampleJobsDone && !reportSubmitted) {
      reportSubmitted = true;
      submit(-1, 'report', workload.report.vcpus, workload.report.seconds, 0, 0);
    }
    // The freed region runs its own queue first (the executor dispatches at once), then takes work from others.
    dispatch();
    const freed = new Set(running.filter((job) => job.endedAt === now).map((job) => job.region!));
    if (hooks.rebalance !== false && freed.size > 0) {
      rebalance(freed);
      dispatch();
    }
  }
  return { makespan: Math.max(...jobs.map((job) => job.endedAt ?? 0)), jobs, placedRemote, moved };
}
