/**
 * Notifications to people, end to end on the embedded runtime: a REAL SMTP server on 127.0.0.1 (Debian's
 * python3-aiosmtpd, test/support/smtpSink.py) and a real loopback HTTP webhook receiver. Two teams notify
 * their own people; a genomics run has one sample rejected by validation (a broken FASTQ line the test wrote)
 * and one failing at its trim step (fault injection). Its team gets exactly one failure message batching
 * both and one run-DONE message, by email and by chat; the other team, with a run of its own, gets nothing
 * about it (only its own run's messages). What the
 * messages must say comes from what the test did (which file and line it broke, which step it failed), not
 * from Landfall's own report.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRun, type GeneratedRun } from '../../demo/generateRun.ts';
import { hasAiosmtpd, type ReceivedMail, type ReceivedPost, startChatReceiver, startSmtpSink } from '../support/notificationSinks.ts';
import {
  dropRun,
  dropRunWithCorruptLine,
  readBusLog,
  type RuntimeProcess,
  startRuntimeProcess,
  stopRuntimeProcess,
  waitFor,
  waitForTerminalSamples,
} from '../support/runtimeProcess.ts';

const TEAM = 'genomics';
const RUN_ID = '261203_LH00417_0190_B22NOTIFY';
/** The other team's own run (one sample, which fails at trim too): its messages are its own. */
const OTHER = 'microbio';
const OTHER_RUN_ID = '261203_LH00417_0191_B22OTHERT';
const configPath = path.resolve(import.meta.dirname, '../fixtures/landfall.notify.config.ts');
const GENOMICS_PEOPLE = ['pi@genomics.example', 'seq-core@genomics.example'];

if (!hasAiosmtpd())
  console.warn('SKIPPED notifications e2e: Debian python3-aiosmtpd is missing for /usr/bin/python3 (.ci/run installs it)');

describe.skipIf(!hasAiosmtpd())('notifications: one failure batch and one run-DONE message per channel, to the run team only', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let chat: Awaited<ReturnType<typeof startChatReceiver>>;
  let run: GeneratedRun;
  let corrupted: string;
  let mails: ReceivedMail[];
  let posts: ReceivedPost[];
  let otherMails: ReceivedMail[];
  let otherPosts: ReceivedPost[];

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-notify-'));
    smtp = await startSmtpSink(path.join(stateDir, 'mail'));
    chat = await startChatReceiver();
    runtime = await startRuntimeProcess(stateDir, configPath, {
      LANDFALL_TEST_SMTP_PORT: String(smtp.port),
      LANDFALL_TEST_CHAT_PORT: String(chat.port),
      LANDFALL_FAULTS: JSON.stringify({ 'step.fail': { step: 'trim' } }),
    });
    run = await generateRun({
      dir: path.join(stateDir, 'instrument', RUN_ID),
      runId: RUN_ID,
      seed: 19,
      samples: 2,
      readsPerSample: 200,
      team: TEAM,
    });
    // Sample01's R2 gets a broken separator line (line 11): rejected. Sample02 is good: it fails at trim.
    const bad = run.samples[0]!.fastqs.find((fastq) => fastq.read === 'R2')!;
    ({ corrupted } = await dropRunWithCorruptLine(runtime.info.shareDir, TEAM, run, bad));
    const other = await generateRun({
      dir: path.join(stateDir, 'instrument', OTHER_RUN_ID),
      runId: OTHER_RUN_ID,
      seed: 23,
      samples: 1,
      readsPerSample: 200,
      team: OTHER,
    });
    await dropRun(runtime.info.shareDir, OTHER, other);
    await waitForTerminalSamples(runtime.catalog, TEAM, RUN_ID, 2);
    await waitForTerminalSamples(runtime.catalog, OTHER, OTHER_RUN_ID, 1);
    await waitFor(
      'both runs\' "Run Completed"',
      () => readBusLog(stateDir).filter((event) => event['detail-type'] === 'Run Completed').length >= 2 || undefined,
      60_000,
    );
    await waitFor('four emails and four chat messages', () => (smtp.received().length >= 4 && chat.posts.length >= 4) || undefined, 60_000);
    // Exactly once: whatever a repeat would send has had time to arrive (deliveries retry within seconds).
    await new Promise((resolve) => setTimeout(resolve, 4000));
    mails = smtp.received().filter((mail) => mail.subject.includes(RUN_ID));
    posts = chat.posts.filter((post) => post.body.includes(RUN_ID));
    otherMails = smtp.received().filter((mail) => !mail.subject.includes(RUN_ID));
    otherPosts = chat.posts.filter((post) => !post.body.includes(RUN_ID));
  }, 300_000);

  afterAll(async () => {
    await stopRuntimeProcess(runtime, stateDir);
    await smtp?.stop();
    await chat?.stop();
  });

  it('ended the run as the test arranged it: Sample01 rejected, Sample02 failed at trim', async () => {
    // Act
    const samples = await runtime.catalog.samples.listInRun(TEAM, RUN_ID);
    // Assess
    expect(samples.map((sample) => [sample.sampleId, sample.status])).toEqual([
      ['Sample01', 'REJECTED'],
      ['Sample02', 'FAILED'],
    ]);
  });

  it("emails the run's team exactly one failure batch and one run-DONE message, and nobody else", () => {
    // Assess: two messages, both to genomics' people only, the failure batch first
    expect(mails.map((mail) => mail.subject)).toEqual([
      `[Landfall] ${TEAM}/${RUN_ID}: 1 sample rejected, 1 sample failed`,
      `[Landfall] ${TEAM}/${RUN_ID} DONE: 0 completed, 1 rejected, 1 failed`,
    ]);
    for (const mail of mails) {
      expect([...mail.rcpt_tos].sort()).toEqual(GENOMICS_PEOPLE);
      expect(
        mail.to
          .split(',')
          .map((address) => address.trim())
          .sort(),
      ).toEqual(GENOMICS_PEOPLE);
      expect(mail.mail_from).toBe('landfall@lab.example');
    }
  });

  it("tells the other team about its own run only, never about the first team's", () => {
    // Assess: its run's one failure and its DONE message, by email to its address and on its webhook
    expect(otherMails.map((mail) => [mail.subject, mail.rcpt_tos])).toEqual([
      [`[Landfall] ${OTHER}/${OTHER_RUN_ID}: 1 sample failed`, ['lab@microbio.example']],
      [`[Landfall] ${OTHER}/${OTHER_RUN_ID} DONE: 0 completed, 0 rejected, 1 failed`, ['lab@microbio.example']],
    ]);
    expect(otherPosts.map((post) => post.path)).toEqual(['/hooks/microbio', '/hooks/microbio']);
    for (const text of [...otherMails.map((mail) => mail.body), ...otherPosts.map((post) => post.body)]) {
      expect(text).not.toContain(RUN_ID);
      expect(text).not.toContain('genomics');
    }
    expect(mails.flatMap((mail) => mail.rcpt_tos).filter((address) => address.endsWith('@microbio.example'))).toEqual([]);
  });

  it("says in the failure batch why each sample failed: the broken file and line, the failing step's own last lines", () => {
    // Prepare
    const body = mails[0]!.body;
    // Assess
    expect(body).toContain(`Run ${RUN_ID} of team ${TEAM}: 1 sample rejected, 1 sample failed.`);
    expect(body).toContain('REJECTED Sample01 (version 1): its files did not pass validation');
    expect(body).toContain(`  - ${corrupted}: line 11: `);
    expect(body).toContain("'+'");
    expect(body).toContain('FAILED Sample02 (version 1) at step trim: the trim command exited with code 1');
    expect(body).toContain("  Last lines of trim's output:");
    expect(body).toContain('    | Error: fault injection: step trim fails (LANDFALL_FAULTS step.fail)');
  });

  it('says in the run-DONE message how each sample ended, why, where the outputs are and the cost', () => {
    // Prepare
    const body = mails[1]!.body;
    // Assess
    expect(body).toContain(`Run ${RUN_ID} of team ${TEAM} is DONE: 2 samples, 0 completed, 1 rejected, 1 failed.`);
    expect(body).toMatch(/REJECTED\s+Sample01 v1/);
    expect(body).toMatch(/FAILED\s+Sample02 v1/);
    expect(body).toContain(`  - ${corrupted}: line 11: `);
    expect(body).toContain('    | Error: fault injection: step trim fails (LANDFALL_FAULTS step.fail)');
    expect(body).toContain(`Outputs: s3://landfall-results/teams/${TEAM}/runs/${RUN_ID}/`);
    expect(body).toContain(`Run report: s3://landfall-results/teams/${TEAM}/runs/${RUN_ID}/report/report.html`);
    expect(body).toMatch(/Cost \(estimated\): \$\d+\.\d+ for \d+ jobs?, 1 of them failed/);
  });

  it("posts the same two messages to the team's chat webhook as JSON text, and nothing to the other team's", () => {
    // Assess
    expect(posts.map((post) => post.path)).toEqual(['/hooks/genomics', '/hooks/genomics']);
    for (const post of posts) expect(post.contentType).toBe('application/json');
    const texts = posts.map((post) => (JSON.parse(post.body) as { text: string }).text);
    expect(texts).toEqual(mails.map((mail) => mail.body));
    expect(posts.filter((post) => post.path !== '/hooks/genomics')).toEqual([]);
  });
});
