/** Base error of placement; `cause` keeps the underlying failure. */
export class PlacementError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PlacementError';
  }
}

/** No region may take the job: every candidate is unhealthy or too small. `reasons` says why, per region. */
export class NoRegionError extends PlacementError {
  readonly jobName: string;
  readonly reasons: string[];
  constructor(jobName: string, reasons: string[]) {
    super(`job ${jobName} cannot be placed: ${reasons.join('; ')}`);
    this.name = 'NoRegionError';
    this.jobName = jobName;
    this.reasons = reasons;
  }
}

/** Optimistic reservation kept losing to concurrent placements on the same region item. */
export class PlacementContentionError extends PlacementError {
  constructor(jobName: string, rounds: number) {
    super(`job ${jobName}: capacity reservation lost ${rounds} rounds of contention; retry the submission`);
    this.name = 'PlacementContentionError';
  }
}

/**
 * Every region already holds as many waiting jobs as its load item may (`placement.maxQueuedJobsPerRegion`):
 * the submission is retried later by the workflow (a burst larger than every queue waits in Step Functions).
 */
export class RegionsFullError extends PlacementError {
  constructor(jobName: string, reasons: string[]) {
    super(`job ${jobName} waits for room in a queue: ${reasons.join('; ')}`);
    this.name = 'RegionsFullError';
  }
}
