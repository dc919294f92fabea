import { Console } from 'node:console';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** The one Logger and Metrics of every Landfall function (STYLE: created once, in one module). */
export const logger = new Logger({ serviceName: 'landfall' });

/**
 * Where metrics are disabled (the embedded runtime: its alarm evaluator is the metrics sink), every handler
 * of the process shares this one Metrics, so one invocation's flush empties another's set and Powertools
 * warns "No application metrics to publish" about nothing that matters; that notice alone is dropped there.
 */
const EMPTY_METRICS_NOTICE = 'No application metrics to publish';
const metricsLogger =
  process.env.POWERTOOLS_METRICS_DISABLED === 'true'
    ? {
        trace: console.trace,
        debug: console.debug,
        info: console.info,
        error: console.error,
        warn: (message: unknown, ...rest: unknown[]) => {
          if (typeof message === 'string' && message.startsWith(EMPTY_METRICS_NOTICE)) return;
          console.warn(message, ...rest);
        },
      }
    : undefined;
export const metrics = new Metrics({ namespace: 'Landfall', serviceName: 'landfall', ...(metricsLogger && { logger: metricsLogger }) });

/**
 * Sends the structured (JSON) logs of this process's handlers to `stream` instead of stdout: `landfall up`
 * writes them to `<state-dir>/logs/functions.jsonl`, so the terminal shows what a person needs (events, problems)
 * and not raw JSON. Lambda keeps stdout (CloudWatch Logs). Powertools' Logger writes through its `console`.
 */
export function writeStructuredLogsTo(stream: NodeJS.WritableStream): void {
  const target = new Console({ stdout: stream, stderr: stream });
  // As Powertools does for its own console: trace is a plain line in Lambda, never a stack.
  target.trace = (message?: unknown, ...rest: unknown[]) => target.log(message, ...rest);
  (logger as unknown as { console: Console }).console = target;
}
