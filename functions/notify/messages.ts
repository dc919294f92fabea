import { counted } from '../../contracts/words.ts';
import type { PersonMessage } from '../../seams/notify/Notifier.ts';
import type { CostTotals } from '../workflow/jobCost.ts';

/** A sample as a message to people describes it: its end, and for a failure why (reasons, the step's own last lines). */
export interface SampleOutcome {
  sampleId: string;
  version?: number;
  status: string;
  /** REJECTED: the first validation reasons, `reasonCount` in all, the full list at `reasonsAt`. */
  reasons?: Array<{ file: string; line?: number; message: string }>;
  reasonCount?: number;
  reasonsAt?: string;
  /** FAILED: the failing step, why in one line, and the last lines its program wrote (stderr tail). */
  failedStep?: string;
  error?: string;
  logTail?: string[];
}

/** Where a run's outputs are: the results prefix, its index.json and its report. */
export interface RunLocations {
  outputs: string;
  index: string;
  report: string;
}

/** Reasons listed per rejected sample in a message; the rest are counted and linked. */
const REASONS_SHOWN = 5;
/** Last output lines quoted per failed sample (the catalog keeps at most 20). */
const TAIL_SHOWN = 10;

/** The lines explaining one failed or rejected sample. */
function failureLines(sample: SampleOutcome): string[] {
  const version = sample.version === undefined ? '' : ` (version ${sample.version})`;
  if (sample.status === 'REJECTED') {
    const lines = [`REJECTED ${sample.sampleId}${version}: its files did not pass validation`];
    for (const reason of (sample.reasons ?? []).slice(0, REASONS_SHOWN)) {
      // The validator's messages usually start with the line already ("line 11: record 3: …").
      const line = reason.line === undefined || reason.message.startsWith(`line ${reason.line}:`) ? '' : ` line ${reason.line}`;
      lines.push(`  - ${reason.file}${line}: ${reason.message}`);
    }
    const count = sample.reasonCount ?? sample.reasons?.length ?? 0;
    if (count > Math.min(REASONS_SHOWN, sample.reasons?.length ?? 0)) lines.push(`  (${counted(count, 'reason')} in all)`);
    if (sample.reasonsAt) lines.push(`  Every reason: ${sample.reasonsAt}`);
    lines.push('  To fix: correct the files and copy them into the same run folder; the sample is validated again.');
    return lines;
  }
  const lines = [
    `FAILED ${sample.sampleId}${version}${sample.failedStep ? ` at step ${sample.failedStep}` : ''}: ${sample.error ?? 'no reason recorded'}`,
  ];
  const tail = (sample.logTail ?? []).slice(-TAIL_SHOWN);
  if (tail.length > 0) {
    lines.push(`  Last lines of ${sample.failedStep ?? 'the step'}'s output:`);
    for (const line of tail) lines.push(`    | ${line}`);
  }
  return lines;
}

/**
 * The batched message about a run's failures and rejections: one per run and batch window, however many
 * samples it covers.
 *
 * @example failureBatchMessage('genomics', 'RUN1', [rejected, failed]).subject
 * // '[Landfall] genomics/RUN1: 1 sample rejected, 1 sample failed'
 */
export function failureBatchMessage(team: string, runId: string, failures: readonly SampleOutcome[]): PersonMessage {
  const rejected = failures.filter((sample) => sample.status === 'REJECTED').length;
  const failed = failures.length - rejected;
  const counts = [rejected > 0 && `${counted(rejected, 'sample')} rejected`, failed > 0 && `${counted(failed, 'sample')} failed`]
    .filter(Boolean)
    .join(', ');
  const text = [
    `Run ${runId} of team ${team}: ${counts}.`,
    '',
    ...failures.flatMap((sample) => [...failureLines(sample), '']),
    `Details: npx landfall samples --team ${team} --run ${runId}`,
    '',
  ].join('\n');
  return { team, subject: `[Landfall] ${team}/${runId}: ${counts}`, text };
}

/** Dollars as a person reads them: cents, or four decimals below a cent. */
function usd(amount: number): string {
  return amount >= 0.01 || amount === 0 ? `$${amount.toFixed(2)}` : `$${amount.toFixed(4)}`;
}

/**
 * The message when a run is DONE: how many samples completed, were rejected or failed (with reasons and the
 * failing step's last lines), where the outputs are, and what the run cost.
 */
export function runDoneMessage(
  team: string,
  runId: string,
  samples: readonly SampleOutcome[],
  where: RunLocations,
  cost: CostTotals,
): PersonMessage {
  const count = (status: string) => samples.filter((sample) => sample.status === status).length;
  const completed = count('COMPLETED');
  const rejected = count('REJECTED');
  const failed = count('FAILED');
  const summary = `${completed} completed, ${rejected} rejected, ${failed} failed`;
  const problems = samples.filter((sample) => sample.status === 'REJECTED' || sample.status === 'FAILED');
  const text = [
    `Run ${runId} of team ${team} is DONE: ${counted(samples.length, 'sample')}, ${summary}.`,
    '',
    ...samples.map(
      (sample) => `  ${sample.status.padEnd(10)} ${sample.sampleId}${sample.version === undefined ? '' : ` v${sample.version}`}`,
    ),
    '',
    ...(problems.length > 0 ? ['What went wrong:', ...problems.flatMap((sample) => [...failureLines(sample), ''])] : []),
    `Outputs: ${where.outputs}`,
    `Run index: ${where.index}`,
    `Run report: ${where.report}`,
    `Cost (estimated): ${usd(cost.estimatedUsd)} for ${counted(cost.jobs, 'job')}${cost.failedJobs > 0 ? `, ${cost.failedJobs} of them failed` : ''}`,
    '',
  ].join('\n');
  return { team, subject: `[Landfall] ${team}/${runId} DONE: ${summary}`, text };
}
