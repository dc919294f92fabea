import type { FunctionName } from '../contracts/names.ts';
import { handler as completeSample } from './completeSample.ts';
import { handler as finishRunSteps } from './finishRunSteps.ts';
import { handler as failSample } from './failSample.ts';
import { handler as indexRun } from './indexRun.ts';
import { handler as jobStateChange } from './jobStateChange.ts';
import { handler as land } from './land.ts';
import { handler as notify } from './notify.ts';
import { handler as publishActivity } from './publishActivity.ts';
import { handler as regionWokeUp } from './regionWokeUp.ts';
import { handler as scaleRegion } from './scaleRegion.ts';
import { handler as warmBusinessHours } from './warmBusinessHours.ts';
import { handler as publishStep } from './publishStep.ts';
import { handler as reconcileRuns } from './reconcileRuns.ts';
import { handler as releaseHeldSteps } from './releaseHeldSteps.ts';
import { handler as reportRun } from './reportRun.ts';
import { handler as reprocess } from './reprocess.ts';
import type { LandfallHandler } from './shared/lambdaHandler.ts';
import { handler as startWorkflow } from './startWorkflow.ts';
import { handler as submitStep } from './submitStep.ts';
import { handler as uploadBarrier } from './uploadBarrier.ts';
import { handler as validate } from './validate.ts';
import { handler as validateFile } from './validateFile.ts';
import { handler as validationJobFinished } from './validationJobFinished.ts';

/**
 * Every Landfall function by name: the stacks deploy one Lambda per entry, the embedded runtime invokes
 * the same wrapped handlers in-process.
 */
export const functionHandlers: Record<FunctionName, LandfallHandler> = {
  land,
  reconcileRuns,
  reprocess,
  uploadBarrier,
  validate,
  validateFile,
  validationJobFinished,
  startWorkflow,
  jobStateChange,
  submitStep,
  publishStep,
  completeSample,
  failSample,
  finishRunSteps,
  indexRun,
  releaseHeldSteps,
  reportRun,
  publishActivity,
  scaleRegion,
  regionWokeUp,
  warmBusinessHours,
  notify,
};

/** Which function each state-machine placeholder stands for (workflows/asl builders emit the placeholders). */
export const workflowFunctionPlaceholders: Record<string, FunctionName> = {
  SubmitStepFunctionArn: 'submitStep',
  PublishStepFunctionArn: 'publishStep',
  CompleteSampleFunctionArn: 'completeSample',
  FailSampleFunctionArn: 'failSample',
  FinishRunStepsFunctionArn: 'finishRunSteps',
};
