import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { awsServices } from './awsServices.ts';
import { logger, metrics } from './powertools.ts';
import { setServicesFactory } from './services.ts';

// In Lambda nothing installs services: build the AWS ones on first use. The embedded runtime installs
// its own before invoking, and installed services always win.
setServicesFactory(awsServices);

/**
 * Wraps a plain typed function as a Lambda handler: Powertools logger context, metrics flush, and the
 * event parsed with the zod schema from `events/` (a malformed event fails before the function runs).
 * The embedded runtime invokes the very same wrapped handler.
 *
 * @example export const handler = lambdaHandler(landObject, LandingEvent);
 */
export function lambdaHandler<Schema extends z.ZodType, Result>(
  fn: (event: z.infer<Schema>, context: Context) => Promise<Result>,
  schema: Schema,
) {
  // Every invocation counts its outcome (landed, duplicate, rejected, …): the metric a dashboard needs
  // first, and it means an invocation never flushes an empty metric set.
  const counted = async (event: z.infer<Schema>, context: Context): Promise<Result> => {
    const result = await fn(event, context);
    const outcome = (result as { outcome?: unknown } | undefined)?.outcome;
    metrics.addMetric(`${context.functionName || fn.name}.${typeof outcome === 'string' ? outcome : 'done'}`, MetricUnit.Count, 1);
    return result;
  };
  return middy(counted)
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }))
    .use(parser({ schema }));
}

/**
 * Any wrapped handler, as the registry and the local invoker see it. Each handler parses its own event
 * with its schema, so the registry need not know the event types.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the parser middleware validates at run time
// biome-ignore lint/suspicious/noExplicitAny: the registry maps handlers of different event types by name
export type LandfallHandler = (event: any, context: Context) => Promise<unknown>;
