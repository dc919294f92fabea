import landfall from '../landfall.config.ts';
import { ACTIVE_JOBS_METRIC, ACTIVITY_NAMESPACE, REGION_DIMENSION } from '../contracts/names.ts';
import { alarms } from './alarms.ts';
import { functions } from './functions.ts';
import { homeRegion } from './regions.ts';

const stage = $app.stage.toLowerCase();

/**
 * The operator's CloudWatch dashboard (home region): active jobs per region (the metric the inactivity
 * alarms watch), the state of every inactivity alarm, and errors of every Landfall function.
 */
export const dashboard = new aws.cloudwatch.Dashboard('Dashboard', {
  dashboardName: `${landfall.app}-${stage}`,
  dashboardBody: $jsonStringify({
    widgets: [
      {
        type: 'metric',
        x: 0,
        y: 0,
        width: 12,
        height: 6,
        properties: {
          title: 'Active jobs per region',
          region: homeRegion,
          stat: 'Maximum',
          period: 60,
          metrics: landfall.regions.map((region) => [ACTIVITY_NAMESPACE, ACTIVE_JOBS_METRIC, REGION_DIMENSION, region.name]),
        },
      },
      {
        type: 'alarm',
        x: 12,
        y: 0,
        width: 12,
        height: 6,
        properties: { title: 'Inactivity alarms', alarms: Object.values(alarms).map((alarm) => alarm.arn) },
      },
      {
        type: 'metric',
        x: 0,
        y: 6,
        width: 24,
        height: 6,
        properties: {
          title: 'Function errors',
          region: homeRegion,
          stat: 'Sum',
          period: 300,
          metrics: Object.values(functions).map((fn) => ['AWS/Lambda', 'Errors', 'FunctionName', fn.name]),
        },
      },
    ],
  }),
});

export const outputs = { dashboard: dashboard.dashboardName };
