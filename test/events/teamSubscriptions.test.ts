import { describe, expect, it } from 'vitest';
import { defineConfig } from '../../config/defineConfig.ts';
import { ConfigError } from '../../config/errors.ts';
import type { LandfallConfigInput } from '../../config/schema.ts';
import { compilePattern } from '../../events/pattern/index.ts';
import { landfallEvent, landfallEventDetails, type LandfallDetailType } from '../../contracts/events/landfall.ts';
import { INTERNAL_DETAIL_TYPES, TEAM_FACING_DETAIL_TYPES, teamSubscriptionRules } from '../../events/teamSubscriptions.ts';

const baseInput: LandfallConfigInput = {
  app: 'lftest',
  homeRegion: 'eu-west-1',
  regions: [{ name: 'eu-west-1', vcpuQuota: 4 }],
  teams: [
    { id: 'lab-a', pipeline: 'demo' },
    {
      id: 'lab-b',
      pipeline: 'demo',
      subscriptions: { outbox: false, webhookUrl: 'http://127.0.0.1:9999/hook', snsTopic: true, sqsQueue: false },
    },
    { id: 'lab-ab', pipeline: 'demo' },
  ],
};

/** A schema-valid detail of every Landfall detail-type, for `team`. */
function detailFor(type: LandfallDetailType, team: string): Record<string, unknown> | undefined {
  const sample = { team, runId: 'RUN1', sampleId: 'S1', version: 1, dedupeKey: `${type}:${team}` };
  const details: Partial<Record<LandfallDetailType, Record<string, unknown>>> = {
    'Sample Landed': { team, runId: 'RUN1', sampleId: 'S1', files: ['a.fastq.gz'], dedupeKey: `landed:${team}` },
    'Run Incomplete': { team, runId: 'RUN1', missing: ['x'], dedupeKey: `incomplete:${team}` },
    'Unexpected File': {
      team,
      runId: 'RUN1',
      file: 'x.txt',
      kind: 'unknown-sample',
      message: 'no such sample',
      dedupeKey: `unexpected:${team}`,
    },
    'Sample Cataloged': { ...sample, files: ['k'], versionHash: 'h' },
    'Sample Rejected': { ...sample, reasons: [{ file: 'f', message: 'bad' }], reasonCount: 1, reasonsKey: 'k' },
    'Workflow Started': { ...sample, executionName: 'e', executionArn: 'arn', pipeline: 'demo' },
    'Step Output Published': { ...sample, step: 'qc', keys: ['k'], sequence: 1, manifestKey: 'm' },
    'Sample Completed': { ...sample, steps: ['qc'], keys: ['k', 'm'], manifestKey: 'm' },
    'Run Completed': {
      team,
      runId: 'RUN1',
      samples: [{ sampleId: 'S1', version: 1, status: 'COMPLETED' }],
      keys: ['i'],
      indexKey: 'i',
      dedupeKey: `run-completed:${team}`,
    },
    'Sample Failed': { ...sample, error: 'boom' },
  };
  return details[type];
}

const teamFacingWithSchema = TEAM_FACING_DETAIL_TYPES.filter(
  (type): type is (typeof TEAM_FACING_DETAIL_TYPES)[number] & LandfallDetailType => type in landfallEventDetails,
);

describe('teamSubscriptionRules', () => {
  it('defines one valid EventBridge rule per team, named after it', () => {
    // Prepare
    const config = defineConfig(structuredClone(baseInput));
    // Act
    const rules = teamSubscriptionRules(config);
    // Assess
    expect(rules.map((rule) => [rule.name, rule.team])).toEqual([
      ['team-lab-a-events', 'lab-a'],
      ['team-lab-b-events', 'lab-b'],
      ['team-lab-ab-events', 'lab-ab'],
    ]);
    for (const rule of rules) expect(() => compilePattern(rule.pattern)).not.toThrow();
  });

  it('lists only detail-types that exist', () => {
    // Assess
    expect(TEAM_FACING_DETAIL_TYPES.filter((type) => !(type in landfallEventDetails))).toEqual([]);
  });

  it('classifies every Landfall detail-type as team-facing or internal, never both', () => {
    // Prepare
    const teamFacing = new Set<string>(TEAM_FACING_DETAIL_TYPES);
    const internal = new Set<string>(INTERNAL_DETAIL_TYPES);
    // Act
    const unclassified = Object.keys(landfallEventDetails).filter((type) => !teamFacing.has(type) && !internal.has(type));
    const both = [...teamFacing].filter((type) => internal.has(type));
    // Assess: a new detail-type must be added to TEAM_FACING_DETAIL_TYPES or INTERNAL_DETAIL_TYPES in events/teamSubscriptions.ts.
    expect({ unclassified, both }).toEqual({ unclassified: [], both: [] });
  });

  it.each(teamFacingWithSchema.map((type) => ({ case: type, type })))(
    "$case: each team's pattern matches its own event and no other team's",
    ({ type }) => {
      // Prepare
      const config = defineConfig(structuredClone(baseInput));
      const rules = teamSubscriptionRules(config);
      const events = config.teams.map((team) => {
        const detail = detailFor(type, team.id);
        if (!detail) throw new Error(`add a sample "${type}" detail to detailFor in this test`);
        return landfallEvent(type, detail as never);
      });
      // Act
      const matrix = rules.map((rule) => {
        const matches = compilePattern(rule.pattern);
        return events.map((event) => matches(event));
      });
      // Assess: the identity matrix — lab-a's rule does not match lab-ab (no prefix semantics).
      expect(matrix).toEqual([
        [true, false, false],
        [false, true, false],
        [false, false, true],
      ]);
    },
  );

  it.each([
    {
      case: 'an internal Landfall event (Sample Landed)',
      event: landfallEvent('Sample Landed', detailFor('Sample Landed', 'lab-a') as never),
    },
    {
      case: 'another source carrying detail.team',
      event: { source: 'aws.s3', 'detail-type': 'Sample Completed', detail: { team: 'lab-a' } },
    },
    {
      case: 'a platform event without a team',
      event: { source: 'landfall', 'detail-type': 'Region Woke Up', detail: { region: 'eu-west-1' } },
    },
    {
      case: 'a team-facing event of a team not in the config',
      event: { source: 'landfall', 'detail-type': 'Sample Completed', detail: { team: 'lab-c' } },
    },
    {
      case: 'a team id differing only in case',
      event: { source: 'landfall', 'detail-type': 'Sample Completed', detail: { team: 'LAB-A' } },
    },
  ])('does not deliver $case', ({ event }) => {
    // Prepare
    const rules = teamSubscriptionRules(defineConfig(structuredClone(baseInput)));
    // Act
    const matched = rules.filter((rule) => compilePattern(rule.pattern)(event)).map((rule) => rule.team);
    // Assess
    expect(matched).toEqual([]);
  });

  it('derives targets from the team subscriptions, with the outbox and the SQS queue on by default', () => {
    // Prepare
    const rules = teamSubscriptionRules(defineConfig(structuredClone(baseInput)));
    // Act
    const targets = Object.fromEntries(rules.map((rule) => [rule.team, rule.targets]));
    // Assess
    expect(targets['lab-a']).toEqual({ aws: { sqsQueue: 'lftest-team-lab-a-events' }, embedded: { outbox: true } });
    expect(targets['lab-b']).toEqual({
      aws: { snsTopic: 'lftest-team-lab-b-events' },
      embedded: { outbox: false, webhookUrl: 'http://127.0.0.1:9999/hook' },
    });
  });
});

describe('TeamConfig subscriptions.webhookUrl', () => {
  it.each([
    { case: 'IPv4 loopback with port', url: 'http://127.0.0.1:8080/landfall', ok: true },
    { case: 'IPv6 loopback with port', url: 'http://[::1]:8080/', ok: true },
    { case: 'IPv4 loopback without path', url: 'http://127.0.0.1:8080', ok: true },
    { case: 'localhost (may resolve elsewhere)', url: 'http://localhost:8080/', ok: false },
    { case: 'another host', url: 'http://10.0.0.5:8080/', ok: false },
    { case: 'https', url: 'https://127.0.0.1:8443/', ok: false },
    { case: 'loopback as user info of another host', url: 'http://127.0.0.1@example.com/', ok: false },
    { case: 'loopback as a prefix of another host', url: 'http://127.0.0.1.example.com/', ok: false },
  ])('$case: accepted = $ok', ({ url, ok }) => {
    // Prepare
    const input = structuredClone(baseInput);
    input.teams = [{ id: 'lab-a', pipeline: 'demo', subscriptions: { webhookUrl: url } }];
    // Act
    const build = () => defineConfig(input);
    // Assess
    if (ok) expect(build().teams[0]!.subscriptions?.webhookUrl).toBe(url);
    else expect(build).toThrow(ConfigError);
  });
});
