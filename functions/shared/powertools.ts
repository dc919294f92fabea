import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** The one Logger and Metrics of every Landfall function (STYLE: created once, in one module). */
export const logger = new Logger({ serviceName: 'landfall' });
export const metrics = new Metrics({ namespace: 'Landfall', serviceName: 'landfall' });
