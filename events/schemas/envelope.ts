import { z } from 'zod';

/**
 * The EventBridge envelope every event shares; `detail` is refined per source.
 * @see https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
 */
export function eventEnvelope<Source extends string, DetailType extends string, Detail extends z.ZodType>(
  source: Source,
  detailType: DetailType,
  detail: Detail,
) {
  return z.object({
    version: z.string().default('0'),
    id: z.string().optional(),
    source: z.literal(source),
    'detail-type': z.literal(detailType),
    account: z.string().optional(),
    time: z.string().optional(),
    region: z.string().optional(),
    resources: z.array(z.string()).default([]),
    detail,
  });
}
