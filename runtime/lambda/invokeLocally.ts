import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { LandfallHandler } from '../../functions/shared/lambdaHandler.ts';

/** A Lambda context for an in-process invocation (the same handler module AWS runs). */
export function localContext(functionName: string, timeoutMs = 900_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Invokes a wrapped handler with a fresh context, as Lambda would. */
export function invokeLocally(name: string, handler: LandfallHandler, event: unknown): Promise<unknown> {
  return handler(event, localContext(name));
}
