import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineConfig } from '../../../config/defineConfig.ts';
import type { LandfallConfig, LandfallConfigInput } from '../../../config/schema.ts';
import { landfallEvent } from '../../../contracts/events/landfall.ts';
import { WebhookUrlError } from '../../../runtime/delivery/errors.ts';
import { outboxPaths, readFailedDeliveries, readOutbox, type FailedDelivery } from '../../../runtime/delivery/outbox.ts';
import { TeamDelivery } from '../../../runtime/delivery/TeamDelivery.ts';
import { LocalEventBus } from '../../../runtime/bus/LocalEventBus.ts';
import { teamSubscriptionRules } from '../../../events/teamSubscriptions.ts';
import type { BusEvent } from '../../../seams/events/EventPublisher.ts';

const FAST = { timeoutMs: 1000, retryDelaysMs: [10, 20] };

function config(teams: LandfallConfigInput['teams']): LandfallConfig {
  return defineConfig({ app: 'lftest', homeRegion: 'eu-west-1', regions: [{ name: 'eu-west-1', vcpuQuota: 4 }], teams });
}

/** A real "Step Output Published" event, validated by its schema, as the publisher emits it. */
function published(team: string, sampleId: string, step: string, sequence: number): BusEvent {
  return landfallEvent('Step Output Published', {
    team,
    runId: `RUN-${team}`,
    sampleId,
    version: 1,
    step,
    keys: [`teams/${team}/runs/RUN-${team}/samples/${sampleId}/v1/${step}/out.txt`],
    sequence,
    manifestKey: `teams/${team}/runs/RUN-${team}/samples/${sampleId}/v1/manifest.json`,
    dedupeKey: `published:${team}/RUN-${team}/${sampleId}/v1/${step}`,
  });
}

const keysOf = (events: BusEvent[]) => events.map((event) => (event.detail as { dedupeKey: string }).dedupeKey);

interface Hook {
  url: string;
  received: Array<{ headers: IncomingMessage['headers']; body: BusEvent }>;
  close: () => Promise<void>;
}

/** A real HTTP server on 127.0.0.1 (port 0); `answer` decides each response. */
async function startHook(
  answer: (res: ServerResponse, count: number) => void = (res) => res.writeHead(204).end(),
): Promise<Hook & { server: Server }> {
  const received: Hook['received'] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(text) as BusEvent });
      answer(res, received.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/landfall`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('TeamDelivery', () => {
  let stateDir: string;
  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-delivery-'));
  });
  afterEach(async () => rm(stateDir, { recursive: true, force: true }));

  describe('Method: subscriptions (installed on the embedded bus)', () => {
    it("installs one rule per team, named and patterned as the stacks deploy it, and each team's outbox gets only its events", async () => {
      // Prepare
      const cfg = config([
        { id: 'lab-a', pipeline: 'demo' },
        { id: 'lab-b', pipeline: 'demo' },
      ]);
      const delivery = new TeamDelivery({ config: cfg, stateDir });
      const subscriptions = delivery.subscriptions();
      const bus = new LocalEventBus({
        rules: [],
        subscriptions,
        region: 'eu-west-1',
        logDir: path.join(stateDir, 'bus'),
        invoke: async () => undefined,
      });
      const a1 = published('lab-a', 'S1', 'qc', 1);
      const b1 = published('lab-b', 'S9', 'qc', 1);
      const internal = landfallEvent('Sample Landed', {
        team: 'lab-a',
        runId: 'RUN-lab-a',
        sampleId: 'S1',
        files: ['x'],
        dedupeKey: 'landed:x',
      });
      // Act: at-least-once upstream, so one event arrives twice
      await bus.publish([a1, b1, internal, structuredClone(a1)]);
      await bus.drain();
      await delivery.close();
      // Assess
      expect(subscriptions.map(({ name, pattern }) => ({ name, pattern }))).toEqual(
        teamSubscriptionRules(cfg).map(({ name, pattern }) => ({ name, pattern })),
      );
      expect(keysOf(await readOutbox(stateDir, 'lab-a'))).toEqual(keysOf([a1]));
      expect(keysOf(await readOutbox(stateDir, 'lab-b'))).toEqual(keysOf([b1]));
    });
  });

  describe('Method: deliver (outbox)', () => {
    it("gives each team exactly its own events, one per fact, in order, from two teams' interleaved deliveries", async () => {
      // Prepare
      const delivery = new TeamDelivery({
        config: config([
          { id: 'lab-a', pipeline: 'demo' },
          { id: 'lab-b', pipeline: 'demo' },
        ]),
        stateDir,
      });
      const a1 = published('lab-a', 'S1', 'qc', 1);
      const b1 = published('lab-b', 'S9', 'qc', 1);
      const a2 = published('lab-a', 'S1', 'trim', 2);
      const b2 = published('lab-b', 'S9', 'trim', 2);
      const internal = landfallEvent('Sample Landed', {
        team: 'lab-a',
        runId: 'RUN-lab-a',
        sampleId: 'S1',
        files: ['x'],
        dedupeKey: 'landed:x',
      });
      // Act: duplicates (at-least-once upstream), an internal event, and both copies of one event at once.
      await delivery.deliver(a1);
      await delivery.deliver(b1);
      await delivery.deliver(structuredClone(a1));
      await delivery.deliver(internal);
      await Promise.all([delivery.deliver(a2), delivery.deliver(structuredClone(a2)), delivery.deliver(b2)]);
      await delivery.deliver(structuredClone(b1));
      await delivery.close();
      // Assess
      expect(keysOf(await readOutbox(stateDir, 'lab-a'))).toEqual(keysOf([a1, a2]));
      expect(keysOf(await readOutbox(stateDir, 'lab-b'))).toEqual(keysOf([b1, b2]));
      const textA = await readFile(outboxPaths(stateDir, 'lab-a').outbox, 'utf8');
      expect(textA).not.toContain('lab-b');
      expect(JSON.parse(textA.split('\n')[0]!)).toEqual(a1);
    });

    it('does not repeat an event after a restart, and closes off a line torn by a crash', async () => {
      // Prepare
      const teams = config([{ id: 'lab-a', pipeline: 'demo' }]);
      const first = new TeamDelivery({ config: teams, stateDir });
      const a1 = published('lab-a', 'S1', 'qc', 1);
      const a2 = published('lab-a', 'S1', 'trim', 2);
      await first.deliver(a1);
      await first.close();
      await appendFile(outboxPaths(stateDir, 'lab-a').outbox, '{"source":"landfall","detail-ty');
      // Act: a new runtime sees the same event again (replayed upstream), then a new one.
      const second = new TeamDelivery({ config: teams, stateDir });
      await second.deliver(structuredClone(a1));
      await second.deliver(a2);
      await second.close();
      // Assess
      expect(keysOf(await readOutbox(stateDir, 'lab-a'))).toEqual(keysOf([a1, a2]));
      const lines = (await readFile(outboxPaths(stateDir, 'lab-a').outbox, 'utf8')).split('\n');
      expect(lines.at(-2)).toBe(JSON.stringify(a2));
    });

    it('writes no outbox for a team that turned it off', async () => {
      // Prepare
      const delivery = new TeamDelivery({
        config: config([{ id: 'lab-a', pipeline: 'demo', subscriptions: { outbox: false } }]),
        stateDir,
      });
      // Act
      await delivery.deliver(published('lab-a', 'S1', 'qc', 1));
      await delivery.close();
      // Assess
      expect(await readOutbox(stateDir, 'lab-a')).toEqual([]);
    });

    it('reports an outbox it cannot write instead of throwing into the bus', async () => {
      // Prepare: a folder where the outbox file should be.
      const failures: FailedDelivery[] = [];
      const delivery = new TeamDelivery({
        config: config([{ id: 'lab-a', pipeline: 'demo' }]),
        stateDir,
        onError: (failure) => failures.push(failure),
      });
      const { mkdir } = await import('node:fs/promises');
      await mkdir(outboxPaths(stateDir, 'lab-a').outbox, { recursive: true });
      // Act
      const result = delivery.deliver(published('lab-a', 'S1', 'qc', 1));
      // Assess
      await expect(result).resolves.toBeUndefined();
      await delivery.close();
      expect(failures).toMatchObject([{ team: 'lab-a', target: 'outbox', dedupeKey: 'published:lab-a/RUN-lab-a/S1/v1/qc' }]);
      expect(failures[0]!.error).toMatch(/EISDIR/);
    });
  });

  describe('Method: deliver (webhook)', () => {
    let hooks: Hook[] = [];
    afterEach(async () => {
      await Promise.all(hooks.map((hook) => hook.close()));
      hooks = [];
    });

    it("POSTs each new event once to the team's webhook, with its dedupe key, in order", async () => {
      // Prepare
      const hookA = await startHook();
      const hookB = await startHook();
      hooks.push(hookA, hookB);
      const teams = config([
        { id: 'lab-a', pipeline: 'demo', subscriptions: { webhookUrl: hookA.url } },
        { id: 'lab-b', pipeline: 'demo', subscriptions: { webhookUrl: hookB.url } },
      ]);
      const delivery = new TeamDelivery({ config: teams, stateDir, webhook: FAST });
      const events = [published('lab-a', 'S1', 'qc', 1), published('lab-b', 'S9', 'qc', 1), published('lab-a', 'S1', 'trim', 2)];
      // Act
      for (const event of [...events, structuredClone(events[0]!)]) await delivery.deliver(event);
      await delivery.drain();
      // Assess
      expect(hookA.received.map((request) => request.body)).toEqual([events[0], events[2]]);
      expect(hookB.received.map((request) => request.body)).toEqual([events[1]]);
      expect(hookA.received[0]!.headers).toMatchObject({
        'x-landfall-dedupe-key': 'published:lab-a/RUN-lab-a/S1/v1/qc',
        'content-type': 'application/json',
      });
      expect(await readFailedDeliveries(stateDir, 'lab-a')).toEqual([]);
    });

    it.each([
      { case: 'answers 500 every time', answer: (res: ServerResponse) => res.writeHead(500).end('down'), error: /answered 500/, calls: 3 },
      { case: 'never answers', answer: () => undefined, error: /no answer within 100 ms/, calls: 3 },
    ])('writes a failed delivery after two retries when the webhook $case', async ({ answer, error, calls }) => {
      // Prepare
      const hook = await startHook(answer);
      hooks.push(hook);
      const failures: FailedDelivery[] = [];
      const delivery = new TeamDelivery({
        config: config([{ id: 'lab-a', pipeline: 'demo', subscriptions: { webhookUrl: hook.url } }]),
        stateDir,
        webhook: { timeoutMs: 100, retryDelaysMs: [10, 20] },
        onError: (failure) => failures.push(failure),
      });
      const event = published('lab-a', 'S1', 'qc', 1);
      // Act
      await delivery.deliver(event);
      await delivery.drain();
      // Assess
      expect(hook.received).toHaveLength(calls);
      const failed = await readFailedDeliveries(stateDir, 'lab-a');
      expect(failed).toMatchObject([
        { team: 'lab-a', target: 'webhook', url: hook.url, dedupeKey: 'published:lab-a/RUN-lab-a/S1/v1/qc', attempts: 3, event },
      ]);
      expect(failed[0]!.error).toMatch(error);
      expect(failures).toEqual(failed);
      expect(keysOf(await readOutbox(stateDir, 'lab-a'))).toEqual(keysOf([event]));
    });

    it('retries a webhook that fails once, and records no failure', async () => {
      // Prepare
      const hook = await startHook((res, count) => res.writeHead(count === 1 ? 503 : 200).end());
      hooks.push(hook);
      const delivery = new TeamDelivery({
        config: config([{ id: 'lab-a', pipeline: 'demo', subscriptions: { webhookUrl: hook.url } }]),
        stateDir,
        webhook: FAST,
      });
      // Act
      await delivery.deliver(published('lab-a', 'S1', 'qc', 1));
      await delivery.drain();
      // Assess
      expect(hook.received).toHaveLength(2);
      expect(await readFailedDeliveries(stateDir, 'lab-a')).toEqual([]);
    });

    it('reports a refused connection as a failed delivery', async () => {
      // Prepare: a port that was just free.
      const hook = await startHook();
      await hook.close();
      const delivery = new TeamDelivery({
        config: config([{ id: 'lab-a', pipeline: 'demo', subscriptions: { webhookUrl: hook.url } }]),
        stateDir,
        webhook: FAST,
      });
      // Act
      await delivery.deliver(published('lab-a', 'S1', 'qc', 1));
      await delivery.drain();
      // Assess
      const [failed] = await readFailedDeliveries(stateDir, 'lab-a');
      expect(failed?.error).toMatch(/ECONNREFUSED/);
    });

    it.each([
      { case: 'localhost', url: 'http://localhost:8080/' },
      { case: 'another machine', url: 'http://192.168.1.10/' },
      { case: 'https', url: 'https://127.0.0.1/' },
    ])('refuses a hand-built config whose webhook is $case', ({ url }) => {
      // Prepare: bypass the schema, as a test or a script building the config object could.
      const teams = config([{ id: 'lab-a', pipeline: 'demo' }]);
      teams.teams[0]!.subscriptions = { webhookUrl: url };
      // Act
      const build = () => new TeamDelivery({ config: teams, stateDir });
      // Assess
      expect(build).toThrow(WebhookUrlError);
    });
  });
});
