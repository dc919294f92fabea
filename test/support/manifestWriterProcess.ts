/**
 * A separate OS process that publishes one step of a sample version and rewrites its manifest, against
 * a shared catalog server and bucket folder: `node --import tsx manifestWriterProcess.ts <catalogEndpoint> <bucketsDir> <step> [waitForFile]`.
 */
import { existsSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Catalog } from '../../functions/catalog/Catalog.ts';
import { writeManifest } from '../../functions/publishing/manifest.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import config from '../fixtures/landfall.e2e.config.ts';

const [endpoint, bucketsDir, step, waitForFile] = process.argv.slice(2) as [string, string, string, string | undefined];
const ref = { team: 'genomics', runId: 'R1', sampleId: 'S1', version: 1 };
while (waitForFile && !existsSync(waitForFile)) await new Promise((resolve) => setTimeout(resolve, 10));
const catalog = new Catalog(
  'landfall-catalog',
  // The catalog server's credentials come from the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), as in a job.
  new DynamoDBClient({ endpoint, region: 'eu-west-1' }),
);
await catalog.steps.recordPublished(
  ref,
  step,
  [{ key: `teams/genomics/runs/R1/samples/S1/v1/${step}/${step}.json`, size: 1, md5: step.padEnd(32, '0') }],
  1,
);
await writeManifest({ catalog, storage: new FolderStorage(bucketsDir), config }, ref, 'landfall-results');
