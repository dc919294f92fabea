/**
 * Messages to people (functions/notify/notifyPeople.ts) against a real catalog (dynalite): failures wait
 * for their run's batch window, one message per run and channel however many samples failed, each failure
 * told once per channel, and a message that did not go out is sent by the next flush. The notifier is a
 * recorder (a collaborator; the SMTP and webhook paths are proven in test/e2e/notifications.test.ts, SNS and
 * Secrets Manager in test/aws/iamAudit.test.ts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LandfallConfig } from '../../../config/schema.ts';
import { LandfallConfig as LandfallConfigSchema } from '../../../config/schema.ts';
import { channelsOf, flushDueFailures, notifyRunDone, recordFailure } from '../../../functions/notify/notifyPeople.ts';
import type { NotifyChannel, PersonMessage } from '../../../seams/notify/Notifier.ts';
import e2eConfig from '../../fixtures/landfall.e2e.config.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const config: LandfallConfig = {
  ...e2eConfig,
  teams: e2eConfig.teams.map((team) =>
    team.id === 'genomics'
      ? { ...team, notify: { email: { to: ['core@genomics.example'] }, chat: { webhookUrl: 'http://127.0.0.1:9/hook' } } }
      : team,
  ),
  notifications: { ...e2eConfig.notifications, batchSeconds: 300 },
};
const WINDOW_MS = 300_000;

describe('notifications: batched per run, once per fact and channel', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  const sent: Array<{ channel: NotifyChannel; message: PersonMessage }> = [];
  let refuseNext = 0;
  /** Runs while a message is being delivered: the catalog moving on between two channels. */
  let duringSend: (() => Promise<unknown>) | undefined;

  beforeAll(async () => {
    harness = await startServicesHarness({ config });
    harness.services.notifier = {
      send: async (channel, message) => {
        if (refuseNext > 0) {
          refuseNext--;
          throw new Error('the SMTP server answered 451 (test)');
        }
        sent.push({ channel, message });
        const during = duringSend;
        duringSend = undefined;
        await during?.();
      },
    };
  });
  afterAll(async () => harness?.stop());
  beforeEach(() => {
    sent.length = 0;
  });

  const failure = (runId: string, sampleId: string) => ({ team: 'genomics', runId, sampleId, version: 1 });

  it('reaches a team by the channels its config names, and no team without notify', () => {
    expect(channelsOf(config, 'genomics')).toEqual(['email', 'chat']);
    expect(channelsOf(config, 'microbio')).toEqual([]);
  });

  it('keeps failures until the window of their run passed, then sends one message per run and channel', async () => {
    // Prepare: 96 failures in one run, one rejection in another
    for (let index = 1; index <= 96; index++)
      await recordFailure(harness.services, 'FAILED', failure('RUN-A', `S${String(index).padStart(2, '0')}`));
    await recordFailure(harness.services, 'REJECTED', failure('RUN-B', 'S1'));
    // Act + Assess: inside the window nothing goes
    expect(await flushDueFailures(harness.services, Date.now() + WINDOW_MS - 30_000)).toMatchObject({ messages: 0 });
    expect(sent).toEqual([]);
    // Act: after it
    const flushed = await flushDueFailures(harness.services, Date.now() + WINDOW_MS + 1000);
    // Assess: 2 runs × 2 channels, the 96 failures in one message each
    expect(flushed.messages).toBe(4);
    expect(sent.map(({ channel, message }) => [channel, message.subject])).toEqual([
      ['email', '[Landfall] genomics/RUN-A: 96 samples failed'],
      ['chat', '[Landfall] genomics/RUN-A: 96 samples failed'],
      ['email', '[Landfall] genomics/RUN-B: 1 sample rejected'],
      ['chat', '[Landfall] genomics/RUN-B: 1 sample rejected'],
    ]);
    expect(sent[0]!.message.text.match(/^FAILED S\d\d /gm)).toHaveLength(96);
    expect(await harness.services.catalog.notifications.listPending()).toEqual([]);
  });

  it('tells a failure once: a repeated event after its message finds its fact told', async () => {
    // Act: the same "Sample Failed" delivered again (at-least-once), then the window passes again
    await recordFailure(harness.services, 'FAILED', failure('RUN-A', 'S01'));
    await flushDueFailures(harness.services, Date.now() + WINDOW_MS + 1000);
    // Assess
    expect(sent).toEqual([]);
    expect(await harness.services.catalog.notifications.listPending()).toEqual([]);
  });

  it('records nothing for a team without notify', async () => {
    expect(await recordFailure(harness.services, 'FAILED', { team: 'microbio', runId: 'RUN-M', sampleId: 'S1', version: 1 })).toEqual({
      outcome: 'team-not-notified',
    });
    expect(await harness.services.catalog.notifications.listPending()).toEqual([]);
  });

  it('keeps a failure whose message was refused and sends it with the next flush, once', async () => {
    // Prepare
    await recordFailure(harness.services, 'FAILED', failure('RUN-C', 'S1'));
    refuseNext = 1;
    // Act: the email is refused
    await expect(flushDueFailures(harness.services, Date.now() + WINDOW_MS + 1000)).rejects.toThrow('451');
    // Assess: still pending; the next flush sends both channels, then nothing more
    expect((await harness.services.catalog.notifications.listPending()).map((each) => each.runId)).toEqual(['RUN-C']);
    await flushDueFailures(harness.services, Date.now() + WINDOW_MS + 1000);
    await flushDueFailures(harness.services, Date.now() + WINDOW_MS + 1000);
    expect(sent.map(({ channel, message }) => [channel, message.subject])).toEqual([
      ['email', '[Landfall] genomics/RUN-C: 1 sample failed'],
      ['chat', '[Landfall] genomics/RUN-C: 1 sample failed'],
    ]);
  });

  it('sends a completed run its pending failures at once, then one DONE message per "Run Completed" fact', async () => {
    // Prepare: one failure pending (window not passed), the other only in the run's completion
    await recordFailure(harness.services, 'FAILED', failure('RUN-D', 'S1'));
    const completed = {
      team: 'genomics',
      runId: 'RUN-D',
      samples: [
        { sampleId: 'S1', version: 1, status: 'FAILED' },
        { sampleId: 'S2', version: 1, status: 'REJECTED' },
        { sampleId: 'S3', version: 1, status: 'COMPLETED' },
      ],
      keys: [],
      indexKey: 'teams/genomics/runs/RUN-D/index.json',
      dedupeKey: 'run-completed:genomics/RUN-D:1',
    };
    // Act: delivered twice
    await notifyRunDone(harness.services, completed);
    await notifyRunDone(harness.services, completed);
    // Assess
    expect(sent.map(({ channel, message }) => [channel, message.subject])).toEqual([
      ['email', '[Landfall] genomics/RUN-D: 1 sample rejected, 1 sample failed'],
      ['chat', '[Landfall] genomics/RUN-D: 1 sample rejected, 1 sample failed'],
      ['email', '[Landfall] genomics/RUN-D DONE: 1 completed, 1 rejected, 1 failed'],
      ['chat', '[Landfall] genomics/RUN-D DONE: 1 completed, 1 rejected, 1 failed'],
    ]);
    expect(sent[2]!.message.text).toContain('Outputs: s3://landfall-results/teams/genomics/runs/RUN-D/');
    expect(await harness.services.catalog.notifications.listPending()).toEqual([]);
  });
  it('keeps a refused run-DONE message and sends it with the next flush, once per channel', async () => {
    // Prepare: the run's DONE email is refused (its chat is never tried: the handler stops at the first refusal)
    const completed = {
      team: 'genomics',
      runId: 'RUN-E',
      samples: [{ sampleId: 'S1', version: 1, status: 'COMPLETED' }],
      keys: [],
      indexKey: 'teams/genomics/runs/RUN-E/index.json',
      dedupeKey: 'run-completed:genomics/RUN-E:1',
    };
    refuseNext = 1;
    // Act
    await expect(notifyRunDone(harness.services, completed)).rejects.toThrow('451');
    await flushDueFailures(harness.services);
    await flushDueFailures(harness.services);
    // Assess
    expect(sent.map(({ channel, message }) => [channel, message.subject])).toEqual([
      ['email', '[Landfall] genomics/RUN-E DONE: 1 completed, 0 rejected, 0 failed'],
      ['chat', '[Landfall] genomics/RUN-E DONE: 1 completed, 0 rejected, 0 failed'],
    ]);
    expect(await harness.services.catalog.notifications.listDoneRetries()).toEqual([]);
  });
  it('says the same on every channel, even when a cost is recorded between two deliveries', async () => {
    // Prepare: one job paid for; another of the sample's jobs ends (its cost recorded) while the DONE email goes out
    const ref = { team: 'genomics', runId: 'RUN-F', sampleId: 'S1', version: 1 };
    const paid = (status: string) => ({
      region: 'eu-west-1',
      capacityType: 'on-demand' as const,
      attempts: 1,
      seconds: 10,
      vcpuSeconds: 10,
      memoryGbSeconds: 10,
      computeUsd: 0.01,
      transferBytes: 0,
      transferUsd: 0,
      estimatedUsd: 0.01,
      status,
    });
    await harness.services.catalog.costs.record(ref, 'trim', 'job-trim', paid('SUCCEEDED'));
    duringSend = () => harness.services.catalog.costs.record(ref, 'qc', 'job-qc', paid('SUCCEEDED'));
    // Act
    await notifyRunDone(harness.services, {
      team: 'genomics',
      runId: 'RUN-F',
      samples: [{ sampleId: 'S1', version: 1, status: 'COMPLETED' }],
      keys: [],
      indexKey: 'teams/genomics/runs/RUN-F/index.json',
      dedupeKey: 'run-completed:genomics/RUN-F:1',
    });
    // Assess: email and chat carry one text, composed once (the cost as it stood when it was composed)
    expect(sent.map(({ channel }) => channel)).toEqual(['email', 'chat']);
    expect(sent[0]!.message.text).toContain('Cost (estimated): $0.01 for 1 job\n');
    expect(sent[1]!.message.text).toBe(sent[0]!.message.text);
  });
});

describe('notify config', () => {
  const base = { app: 'landfall', homeRegion: 'eu-west-1', regions: [{ name: 'eu-west-1', vcpuQuota: 8 }] };
  const team = (notify: unknown) => ({ ...base, teams: [{ id: 'genomics', pipeline: 'demo', notify }] });

  it('refuses an SMTP host off this machine and a chat webhook off loopback', () => {
    const smtp = LandfallConfigSchema.safeParse({ ...team(undefined), notifications: { smtp: { host: 'mail.example.org' } } });
    expect(smtp.error?.issues[0]?.message).toContain('smtp.host must be 127.0.0.1 or ::1');
    const chat = LandfallConfigSchema.safeParse(team({ chat: { webhookUrl: 'https://hooks.slack.com/services/T/B/X' } }));
    expect(chat.error?.issues[0]?.message).toContain('chat.webhookUrl must be http://127.0.0.1:<port>/');
  });

  it('asks chat for a secret (AWS) or a loopback URL (embedded), and email for addresses', () => {
    expect(LandfallConfigSchema.safeParse(team({ chat: {} })).error?.issues[0]?.message).toContain('chat needs webhookSecret');
    expect(LandfallConfigSchema.safeParse(team({ email: { to: ['not an address'] } })).error?.issues[0]?.message).toContain(
      'an email address',
    );
    expect(LandfallConfigSchema.safeParse(team({ email: { to: ['a@b.org'] }, chat: { webhookSecret: 'landfall/chat' } })).success).toBe(
      true,
    );
  });
});
