import { setTimeout as sleep } from 'node:timers/promises';
import type { StepLogPage } from '../../functions/operate/readStepLog.ts';
import { CliError, EXIT } from '../errors.ts';
import { printJson } from '../output.ts';
import { connectAs, controlRequest, type RuntimeClient } from '../runtimeClient.ts';

export interface LogsOptions {
  stateDir: string;
  config?: string;
  token?: string;
  json?: boolean;
  step?: string;
  attempt?: number;
  follow?: boolean;
  /** Between looks for new lines with --follow. @default 1000 */
  pollMs?: number;
}

/** Every page written so far after `after` (a page is at most a few thousand lines). */
async function readAll(client: RuntimeClient, query: URLSearchParams, token?: string): Promise<StepLogPage> {
  let page = await controlRequest<StepLogPage>(client, { method: 'GET', path: `/logs?${query}` }, token);
  const lines = [...page.lines];
  while (page.lines.length > 0) {
    query.set('after', page.next);
    page = await controlRequest<StepLogPage>(client, { method: 'GET', path: `/logs?${query}` }, token);
    lines.push(...page.lines);
  }
  return { ...page, lines };
}

/**
 * `landfall logs <team>/<run>/<sample> [--step s] [--attempt k] [--follow]`: what a step's job wrote (stdout and
 * stderr), read through the control API from the job-log seam (the local executor's attempt log; in AWS the
 * Batch job's CloudWatch Logs stream). Without --step: the failed step, else the running one, else the last.
 * The header goes to stderr, so stdout is the log alone (pipe it to grep). --follow prints new lines until
 * the step ends.
 */
export async function logsCommand(name: string, options: LogsOptions): Promise<number> {
  const parts = name.split('/');
  if (parts.length !== 3 || !parts.every(Boolean))
    throw new CliError(`expected <team>/<run>/<sample>, got ${JSON.stringify(name)}`, EXIT.usage);
  const [team, run, sample] = parts as [string, string, string];
  const client = await connectAs(options.stateDir, options.config, options.token);
  const query = new URLSearchParams({ team, run, sample });
  if (options.step) query.set('step', options.step);
  if (options.attempt !== undefined) query.set('attempt', String(options.attempt));
  let page = await readAll(client, query, options.token);
  if (options.json && !options.follow) {
    printJson(page);
    return EXIT.ok;
  }
  // Later pages keep to the attempt the first one resolved, even if a retry starts meanwhile.
  query.set('step', page.step);
  query.set('attempt', String(page.attempt));
  process.stderr.write(
    `${team}/${run}/${sample} v${page.version} step ${page.step}, attempt ${page.attempt} of ${page.attempts} (${page.status})\n`,
  );
  const print = (lines: string[]) => {
    if (options.json) for (const line of lines) process.stdout.write(`${JSON.stringify(line)}\n`);
    else if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  };
  print(page.lines);
  while (options.follow && !page.finished) {
    await sleep(options.pollMs ?? 1000);
    query.set('after', page.next);
    page = await readAll(client, query, options.token);
    print(page.lines);
  }
  if (options.follow) process.stderr.write(`step ${page.step} ${page.status}\n`);
  return EXIT.ok;
}
