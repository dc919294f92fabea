/**
 * A rule of AWS Batch that moto does not enforce, modelled on the client, so Landfall's Batch code meets it in
 * the emulator tier: a job that names a share or a scheduling priority is refused on a queue without a fair-share
 * scheduling policy, and a queue with one refuses a job that names no share ("When you submit a job, you can't
 * specify a share identifier or fair-share scheduling priority" on a FIFO queue: Batch User Guide, share
 * identifiers; SubmitJob `shareIdentifier`: "If the job queue has a fair-share scheduling policy, then this
 * parameter must be specified"). The queue's policy is read from moto (DescribeJobQueues).
 */
import { type BatchClient, DescribeJobQueuesCommand, type SubmitJobCommandInput } from '@aws-sdk/client-batch';

/** Batch's answer to a SubmitJob its queue's scheduling refuses (a ClientException, HTTP 400). */
export class FairShareRuleError extends Error {
  readonly $metadata = { httpStatusCode: 400 };
  constructor(message: string) {
    super(message);
    this.name = 'ClientException';
  }
}

/** Makes `client` refuse SubmitJob as Batch does where the queue's scheduling does not fit the job. */
export function enforceFairShareRule(client: BatchClient): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SubmitJobCommand') return next(args);
      const input = args.input as SubmitJobCommandInput;
      const queues = await client.send(new DescribeJobQueuesCommand({ jobQueues: [input.jobQueue!] }));
      const fairShare = queues.jobQueues?.[0]?.schedulingPolicyArn !== undefined;
      const namesShareOrPriority = input.shareIdentifier !== undefined || input.schedulingPriorityOverride !== undefined;
      if (!fairShare && namesShareOrPriority)
        throw new FairShareRuleError(
          'Job with shareIdentifier or schedulingPriority can only be submitted to job queue with fair share scheduling policy',
        );
      if (fairShare && input.shareIdentifier === undefined)
        throw new FairShareRuleError(
          'shareIdentifier must be specified for a job submitted to a job queue with a fair share scheduling policy',
        );
      return next(args);
    },
    { step: 'initialize', name: 'batchFairShareRule' },
  );
}
