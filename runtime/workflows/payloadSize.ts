/**
 * Step Functions' payload quota: 262,144 bytes of UTF-8 JSON for an execution's input (StartExecution),
 * a task's input when it is scheduled and its output, and a state's or the execution's output. A hard
 * quota; StartExecution and SendTaskSuccess refuse a larger input or output as `ValidationException`, a
 * running execution fails with `States.DataLimitExceeded`.
 *
 * @see https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html#service-limits-task-executions
 * @see https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 */
export const STATES_PAYLOAD_MAX_BYTES = 262_144;

/** The constraint text Step Functions' validation answers with for a payload over the quota. */
export const PAYLOAD_CONSTRAINT = `Member must have size less than or equal to ${STATES_PAYLOAD_MAX_BYTES} bytes in UTF-8 encoding`;

/**
 * Bytes of `value` as the AWS side sends it: `JSON.stringify`, UTF-8 (SfnWorkflowService serialises inputs and
 * outputs so). `undefined` counts as `null`, as JSON has no undefined.
 *
 * @example payloadBytes({ name: 'é' }) // 13
 */
export function payloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
}
