import { z } from 'zod';

/**
 * An event as EventBridge carries it (the parsed envelopes below have this shape). Landfall's own events
 * use `source: "landfall"`; AWS sources (`aws.s3`, `aws.storagegateway`, `aws.batch`, `aws.cloudwatch`,
 * `aws.events`) arrive from AWS or, on the embedded runtime, from its stand-ins, which build them with the
 * builders beside each schema in this folder.
 */
export interface EventBridgeEvent<Detail = Record<string, unknown>> {
  version?: string;
  id?: string;
  source: string;
  'detail-type': string;
  account?: string;
  time?: string;
  region?: string;
  resources?: string[];
  detail: Detail;
}

/** The account the embedded runtime's stand-ins put in ARNs and events (no AWS account is involved). */
export const LOCAL_ACCOUNT = '000000000000';

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
