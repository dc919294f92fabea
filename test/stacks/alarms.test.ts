import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import threeRegions from './fixtures/threeRegions.config.ts';
import { ensureSstPlatform } from '../../scripts/sst-offline-install.ts';
import { buildRules } from '../../events/rules.ts';
import { homeForwarders } from '../../stacks/eventRouting.ts';
import { computeEnvironmentName } from '../../contracts/names.ts';
import { runSstProgram, type SstProgramRun } from '../support/pulumiHarness.ts';

const ALARM_TYPE = 'aws:cloudwatch/metricAlarm:MetricAlarm';
const COMPUTE_ENVIRONMENT_TYPE = 'aws:batch/computeEnvironment:ComputeEnvironment';

// The SST program under Pulumi's mocks, with three regions (a fresh child process: the mocks are process-wide).
let run: SstProgramRun;
beforeAll(async () => {
  await ensureSstPlatform();
  run = await runSstProgram({ stage: 'production', config: join('test', 'stacks', 'fixtures', 'threeRegions.config.ts') });
}, 240_000);

describe('stacks/alarms.ts', () => {
  it('declares one inactivity alarm per region, all in the home region, on ActiveJobs by Region with missing data breaching', () => {
    // Prepare
    const alarms = run.resources.filter((resource) => resource.type === ALARM_TYPE);

    // Assess
    expect(
      alarms
        .map((alarm) => alarm.inputs.dimensions)
        .sort((a, b) => String((a as { Region: string }).Region).localeCompare(String((b as { Region: string }).Region))),
    ).toEqual([{ Region: 'ap-southeast-2' }, { Region: 'eu-west-1' }, { Region: 'us-east-1' }]);
    for (const alarm of alarms) {
      const region = (alarm.inputs.dimensions as { Region: string }).Region;
      expect(alarm.provider ?? '').not.toMatch(/Aws(UsEast1|ApSoutheast2)/); // the home (default) provider
      expect(alarm.inputs).toMatchObject({
        name: `landfall-production-idle-${region}`,
        namespace: 'Landfall',
        metricName: 'ActiveJobs',
        statistic: 'Maximum',
        period: threeRegions.idle.periodSeconds,
        evaluationPeriods: threeRegions.idle.evaluationPeriods,
        datapointsToAlarm: threeRegions.idle.datapointsToAlarm ?? threeRegions.idle.evaluationPeriods,
        threshold: 0,
        comparisonOperator: 'LessThanOrEqualToThreshold',
        treatMissingData: 'breaching',
      });
    }
  });

  it("forwards the alarms' state changes from the home default bus to Landfall's bus", () => {
    // Assess: the scale-down rule makes aws.cloudwatch one of the forwarded sources.
    expect(homeForwarders(buildRules(threeRegions))).toContainEqual({
      name: 'forward-aws-cloudwatch',
      pattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] },
    });
  });

  it('names the compute environments exactly as the warm-capacity seam updates them', () => {
    // Prepare
    const names = run.resources.filter((resource) => resource.type === COMPUTE_ENVIRONMENT_TYPE).map((resource) => resource.inputs.name);

    // Assess
    for (const region of threeRegions.regions.map((r) => r.name)) {
      expect(names).toContain(computeEnvironmentName('landfall', 'production', region, 'onDemand'));
      expect(names).toContain(computeEnvironmentName('landfall', 'production', region, 'spot'));
    }
  });
});

describe('stacks/dashboard.ts', () => {
  const dashboard = () => {
    const found = run.resources.filter((resource) => resource.type === 'aws:cloudwatch/dashboard:Dashboard');
    expect(found, 'dashboards declared').toHaveLength(1);
    return found[0]!;
  };
  const widgets = () =>
    (
      JSON.parse(String(dashboard().inputs.dashboardBody)) as {
        widgets: { type: string; properties: { title: string; metrics?: string[][]; alarms?: string[] } }[];
      }
    ).widgets;
  const titled = (title: string) => {
    const widget = widgets().find((w) => w.properties.title === title);
    if (!widget) throw new Error(`dashboard ${String(dashboard().inputs.dashboardName)}: no widget titled "${title}"`);
    return widget.properties;
  };

  it('is named after the app and stage', () => {
    expect(dashboard().inputs.dashboardName).toBe('landfall-production');
  });

  it('graphs ActiveJobs for every region', () => {
    expect(titled('Active jobs per region').metrics).toEqual(
      threeRegions.regions.map((region) => ['Landfall', 'ActiveJobs', 'Region', region.name]),
    );
  });

  it('shows the state of every inactivity alarm', () => {
    const alarmArns = run.resources.filter((resource) => resource.type === ALARM_TYPE).map((alarm) => alarm.arn);
    expect(alarmArns).toHaveLength(threeRegions.regions.length);
    expect([...titled('Inactivity alarms').alarms!].sort()).toEqual([...alarmArns].sort());
  });

  it('graphs the errors of every deployed function', () => {
    const lambdas = run.resources
      .filter((resource) => resource.type === 'aws:lambda/function:Function')
      .map((fn) => String(fn.inputs.name ?? fn.id));
    expect(lambdas.length).toBeGreaterThan(0);
    expect(
      titled('Function errors')
        .metrics!.map(([namespace, metric, dimension, name]) => [namespace, metric, dimension, name])
        .sort(),
    ).toEqual(lambdas.map((name) => ['AWS/Lambda', 'Errors', 'FunctionName', name]).sort());
  });
});
