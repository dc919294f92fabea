import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import baseConfig from '../../landfall.config.ts';
import { bucketRegions, withDeployedBuckets, withDeployedFileShares } from '../../config/defineConfig.ts';
import { EventBridgePublisher } from '../../seams/events/EventBridgePublisher.ts';
import { BatchJobService } from '../../seams/jobs/BatchJobService.ts';
import { CloudWatchJobLogs } from '../../seams/jobs/CloudWatchJobLogs.ts';
import { BatchComputeCapacity } from '../../seams/capacity/BatchComputeCapacity.ts';
import { EmfMetrics } from '../../seams/metrics/EmfMetrics.ts';
import { AwsNotifier } from '../../seams/notify/AwsNotifier.ts';
import { computeEnvironmentName } from '../../contracts/names.ts';
import { regionalS3Clients } from '../../seams/storage/regionalS3Clients.ts';
import { S3Storage } from '../../seams/storage/S3Storage.ts';
import { SfnWorkflowService } from '../../seams/workflows/SfnWorkflowService.ts';
import { Catalog } from '../catalog/Catalog.ts';
import type { Services } from './services.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set: the stack passes it to every Landfall function`);
  return value;
}

/**
 * Services of a Lambda function in AWS, from the environment the stack sets: the bus name, the catalog
 * table, the state machine ARNs by pipeline (JSON), the deployed bucket names (JSON). Clients are created once per container.
 */
export async function awsServices(): Promise<Services> {
  const config = withDeployedFileShares(withDeployedBuckets(baseConfig, process.env.LANDFALL_BUCKETS), process.env.LANDFALL_FILE_SHARES);
  const jobs = new BatchJobService(config.homeRegion);
  return {
    config,
    // Staging buckets live in other regions: each request goes through a client of its bucket's region.
    storage: new S3Storage(regionalS3Clients({ bucketRegions: bucketRegions(config) })),
    events: new EventBridgePublisher(required('LANDFALL_BUS_NAME')),
    workflows: new SfnWorkflowService(JSON.parse(required('LANDFALL_STATE_MACHINES')) as Record<string, string>),
    jobs,
    jobLogs: new CloudWatchJobLogs(jobs),
    catalog: new Catalog(required('LANDFALL_CATALOG_TABLE'), new DynamoDBClient({})),
    metrics: new EmfMetrics({ periodSeconds: config.idle.periodSeconds }),
    capacity: new BatchComputeCapacity((region, scratch) => {
      const stage = required('LANDFALL_STAGE');
      return {
        onDemand: computeEnvironmentName(config.app, stage, region, 'onDemand', scratch),
        spot: computeEnvironmentName(config.app, stage, region, 'spot', scratch),
      };
    }),
    notifier: new AwsNotifier({
      // Team → topic ARN, known once deployed (stacks/notifications.ts); teams without notify.email have none.
      topics: JSON.parse(process.env.LANDFALL_NOTIFY_TOPICS || '{}') as Record<string, string>,
      webhookSecrets: Object.fromEntries(
        config.teams.flatMap((team) => (team.notify?.chat?.webhookSecret ? [[team.id, team.notify.chat.webhookSecret]] : [])),
      ),
    }),
  };
}
