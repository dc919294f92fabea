import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidPatternError } from '../../../events/pattern/index.ts';
import type { RuleDefinition } from '../../../events/rules.ts';
import type { BusEvent } from '../../../seams/events/EventPublisher.ts';
import { PutEventsValidationError } from '../../../runtime/bus/errors.ts';
import { BusLogError, LocalEventBus } from '../../../runtime/bus/LocalEventBus.ts';
import { PUT_EVENTS_MAX_BYTES, putEventsEntrySize } from '../../../runtime/bus/putEventsSize.ts';

const rule = (name: string, pattern: Record<string, unknown>, target: RuleDefinition['target'] = 'land'): RuleDefinition => ({
  name,
  description: name,
  pattern,
  target,
});
const event = (detailType: string, detail: Record<string, unknown> = {}): BusEvent => ({
  source: 'landfall',
  'detail-type': detailType,
  detail,
});

describe('LocalEventBus', () => {
  let logDir: string;
  beforeEach(async () => {
    logDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-bus-'));
  });
  afterEach(async () => rm(logDir, { recursive: true, force: true }));

  it('delivers each event to every rule whose pattern matches, with the EventBridge envelope filled in', async () => {
    // Prepare
    const delivered: Array<[string, BusEvent]> = [];
    const bus = new LocalEventBus({
      rules: [
        rule('cataloged', { 'detail-type': ['Sample Cataloged'] }, 'startWorkflow'),
        rule('genomics', { detail: { team: ['genomics'] } }, 'validate'),
      ],
      region: 'eu-west-1',
      logDir,
      invoke: async (target, e) => void delivered.push([target, e]),
    });
    // Act
    await bus.publish([
      event('Sample Cataloged', { team: 'genomics' }),
      event('Sample Cataloged', { team: 'microbio' }),
      event('Sample Completed', { team: 'other' }),
    ]);
    await bus.drain();
    // Assess
    expect(delivered.map(([target, e]) => `${target}:${(e.detail as { team: string }).team}`).sort()).toEqual([
      'startWorkflow:genomics',
      'startWorkflow:microbio',
      'validate:genomics',
    ]);
    expect(delivered[0]![1]).toMatchObject({ version: '0', account: '000000000000', region: 'eu-west-1', resources: [] });
    expect(delivered[0]![1].id).toMatch(/^[0-9a-f-]{36}$/);
    const log = (await readFile(path.join(logDir, 'events.jsonl'), 'utf8')).trim().split('\n');
    expect(log).toHaveLength(3);
  });

  it('retries a failing target twice, then writes a dead letter', async () => {
    // Prepare
    let calls = 0;
    const dead: unknown[] = [];
    const bus = new LocalEventBus({
      rules: [rule('always-fails', { source: ['landfall'] })],
      region: 'eu-west-1',
      logDir,
      retryDelaysMs: [5, 5],
      invoke: async () => {
        calls++;
        throw new Error(`boom ${calls}`);
      },
      onDeadLetter: (entry) => dead.push(entry),
    });
    // Act
    await bus.publish([event('Sample Landed')]);
    await bus.drain();
    // Assess
    expect(calls).toBe(3);
    expect(dead).toMatchObject([{ rule: 'always-fails', target: 'land', error: 'Error: boom 3', attempts: 3 }]);
    const letters = (await readFile(path.join(logDir, 'dead-letters.jsonl'), 'utf8')).trim().split('\n');
    expect(JSON.parse(letters[0]!)).toMatchObject({ rule: 'always-fails', event: { 'detail-type': 'Sample Landed' } });
  });

  it('succeeds on a retry without a dead letter', async () => {
    let calls = 0;
    const bus = new LocalEventBus({
      rules: [rule('flaky', { source: ['landfall'] })],
      region: 'r',
      logDir,
      retryDelaysMs: [5, 5],
      invoke: async () =>
        void (
          calls++ === 0 &&
          (() => {
            throw new Error('once');
          })()
        ),
    });
    await bus.publish([event('x')]);
    await bus.drain();
    expect(calls).toBe(2);
    await expect(readFile(path.join(logDir, 'dead-letters.jsonl'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  describe('when its log cannot be written (finding 7: a full disk dropped facts silently)', () => {
    it('rejects the publish and delivers nothing; the retried event is logged and delivered, the torn line stays apart', async () => {
      // Prepare: the disk fills in the middle of an append (part of the line written), then space is freed
      const delivered: string[] = [];
      const failures: string[] = [];
      let full = true;
      const bus = new LocalEventBus({
        rules: [rule('all', { source: ['landfall'] })],
        region: 'eu-west-1',
        logDir,
        invoke: async (_target, e) => void delivered.push(e['detail-type']),
        onLogFailure: (error) => failures.push(`${error.code} ${path.basename(error.file)}`),
        appendLog: async (file, text) => {
          if (full) {
            await appendFile(path.join(logDir, file), text.slice(0, 20));
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          }
          await appendFile(path.join(logDir, file), text);
        },
      });
      // Act
      const first = await bus.publish([event('Sample Completed', { dedupeKey: 'k1' })]).then(
        () => undefined,
        (error: unknown) => error,
      );
      await bus.drain();
      const deliveredWhileFull = [...delivered];
      full = false;
      await bus.publish([event('Sample Completed', { dedupeKey: 'k1' })]); // the publisher's retry
      await bus.drain();
      // Assess
      expect(first).toBeInstanceOf(BusLogError);
      expect(first).toMatchObject({ code: 'ENOSPC', message: expect.stringContaining('events.jsonl (ENOSPC)') });
      expect(deliveredWhileFull).toEqual([]);
      expect(failures).toEqual(['ENOSPC events.jsonl']);
      expect(delivered).toEqual(['Sample Completed']);
      const lines = (await readFile(path.join(logDir, 'events.jsonl'), 'utf8')).split('\n').filter(Boolean);
      expect(lines).toHaveLength(2);
      expect(() => JSON.parse(lines[0]!)).toThrow(); // the torn fragment, alone on its line
      expect(JSON.parse(lines[1]!)).toMatchObject({ 'detail-type': 'Sample Completed', detail: { dedupeKey: 'k1' } });
    });
  });

  it('logs events published while an append is under way in one append, in publish order, and delivers every one', async () => {
    // Prepare: every append takes a while, as on a busy disk
    const appends: number[] = [];
    const delivered: number[] = [];
    const bus = new LocalEventBus({
      rules: [rule('all', { source: ['landfall'] })],
      region: 'eu-west-1',
      logDir,
      invoke: async (_target, e) => void delivered.push((e.detail as { n: number }).n),
      appendLog: async (file, text) => {
        appends.push(text.split('\n').filter(Boolean).length);
        await new Promise((resolve) => setTimeout(resolve, 20));
        await appendFile(path.join(logDir, file), text);
      },
    });
    // Act: one publish, and while its append is under way 39 more, none waiting for the one before
    const first = bus.publish([event('Sample Landed', { n: 0 })]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const rest = Array.from({ length: 39 }, (_, n) => bus.publish([event('Sample Landed', { n: n + 1 })]));
    await Promise.all([first, ...rest]);
    await bus.drain();
    // Assess: the first append alone, the 39 published meanwhile in one more; the log in publish order; all delivered
    expect(appends).toEqual([1, 39]);
    const lines = (await readFile(path.join(logDir, 'events.jsonl'), 'utf8')).split('\n').filter(Boolean);
    expect(lines.map((line) => (JSON.parse(line) as BusEvent & { detail: { n: number } }).detail.n)).toEqual(
      Array.from({ length: 40 }, (_, n) => n),
    );
    expect(delivered.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, n) => n));
  });

  describe('under a burst (finding 4: unbounded handlers, a shutdown waiting on all of them)', () => {
    it('runs at most maxConcurrentDeliveries handlers at once, in arrival order, and delivers every event', async () => {
      // Prepare
      let running = 0;
      let peak = 0;
      const order: number[] = [];
      const bus = new LocalEventBus({
        rules: [rule('all', { source: ['landfall'] })],
        region: 'eu-west-1',
        logDir,
        maxConcurrentDeliveries: 4,
        invoke: async (_target, e) => {
          running++;
          peak = Math.max(peak, running);
          order.push((e.detail as { n: number }).n);
          await new Promise((resolve) => setTimeout(resolve, 5));
          running--;
        },
      });
      // Act
      await bus.publish(Array.from({ length: 100 }, (_, n) => event('Sample Landed', { n })));
      const backlog = bus.backlog;
      await bus.drain();
      // Assess
      expect(peak).toBe(4);
      expect(backlog).toBe(100);
      expect(order).toEqual(Array.from({ length: 100 }, (_, n) => n));
      expect(bus.backlog).toBe(0);
    });

    it('runs at most targetConcurrency deliveries to a limited target, in arrival order, while other targets use the free places', async () => {
      // Prepare: validation handlers that each hold their place until released; a start-workflow rule unlimited
      const validating: number[] = [];
      const started: number[] = [];
      const release: Array<() => void> = [];
      const bus = new LocalEventBus({
        rules: [
          rule('landed', { 'detail-type': ['Sample Landed'] }, 'validate'),
          rule('cataloged', { 'detail-type': ['Sample Cataloged'] }, 'startWorkflow'),
        ],
        region: 'eu-west-1',
        logDir,
        maxConcurrentDeliveries: 4,
        targetConcurrency: { validate: 2 },
        invoke: async (target, e) => {
          const n = (e.detail as { n: number }).n;
          if (target === 'startWorkflow') return void started.push(n);
          validating.push(n);
          await new Promise<void>((resolve) => release.push(resolve));
        },
      });
      const settle = () => new Promise((resolve) => setImmediate(resolve));
      // Act
      await bus.publish(Array.from({ length: 6 }, (_, n) => event('Sample Landed', { n })));
      await bus.publish(Array.from({ length: 3 }, (_, n) => event('Sample Cataloged', { n })));
      await settle();
      const first = [...validating];
      const backlog = bus.backlog;
      const waitingForValidate = bus.waitingFor('validate');
      release.shift()!();
      await settle();
      const afterOne = [...validating];
      while (validating.length < 6 || release.length > 0) {
        release.shift()?.();
        await settle();
      }
      await bus.drain();
      // Assess: two validations at a time, the third starting only when the first ended; the others were not held up
      expect(first).toEqual([0, 1]);
      expect(started).toEqual([0, 1, 2]);
      expect(backlog).toBe(6);
      expect([waitingForValidate, bus.waitingFor('startWorkflow')]).toEqual([4, 0]);
      expect(afterOne).toEqual([0, 1, 2]);
      expect(validating).toEqual([0, 1, 2, 3, 4, 5]);
      expect(bus.backlog).toBe(0);
    });

    it('lets every other delivery pass intake deliveries waiting for a place, keeping arrival order within each kind', async () => {
      // Prepare: one place, held by the first landing until released
      const order: string[] = [];
      const release: Array<() => void> = [];
      const bus = new LocalEventBus({
        rules: [
          rule('created', { 'detail-type': ['Object Created'] }, 'land'),
          rule('landed', { 'detail-type': ['Sample Landed'] }, 'validate'),
          rule('cataloged', { 'detail-type': ['Sample Cataloged'] }, 'startWorkflow'),
        ],
        region: 'eu-west-1',
        logDir,
        maxConcurrentDeliveries: 1,
        intakeTargets: ['land'],
        invoke: async (target, e) => {
          order.push(`${target} ${(e.detail as { n: number }).n}`);
          if (target === 'land' && order.length === 1) await new Promise<void>((resolve) => release.push(resolve));
        },
      });
      const settle = () => new Promise((resolve) => setImmediate(resolve));
      // Act: a burst of landings, then a sample's validation and a workflow start behind them
      await bus.publish(Array.from({ length: 4 }, (_, n) => event('Object Created', { n })));
      await bus.publish([event('Sample Landed', { n: 0 }), event('Sample Cataloged', { n: 0 })]);
      await bus.publish([event('Object Created', { n: 4 }), event('Sample Landed', { n: 1 })]);
      await settle();
      release.shift()!();
      await bus.drain();
      // Assess: the later kinds ran as soon as the place was free, the landings after them, each kind in order
      expect(order).toEqual(['land 0', 'validate 0', 'startWorkflow 0', 'validate 1', 'land 1', 'land 2', 'land 3', 'land 4']);
    });

    it('close() returns within its bound while handlers hang, abandoning what waits without dead letters', async () => {
      // Prepare: every handler hangs (a catalog that stopped answering)
      const dead: unknown[] = [];
      const bus = new LocalEventBus({
        rules: [rule('all', { source: ['landfall'] })],
        region: 'eu-west-1',
        logDir,
        maxConcurrentDeliveries: 2,
        invoke: () => new Promise(() => undefined),
        onDeadLetter: (entry) => dead.push(entry),
      });
      await bus.publish(Array.from({ length: 10 }, (_, n) => event('Sample Landed', { n })));
      // Act
      const closing = Date.now();
      await bus.close(200);
      const took = Date.now() - closing;
      // Assess
      expect(took).toBeGreaterThanOrEqual(190);
      expect(took).toBeLessThan(2000);
      expect(dead).toEqual([]);
      await expect(bus.publish([event('late')])).rejects.toThrow('stopped');
    });
  });

  describe('with events PutEvents refuses for their size (a 1,200-chunk MinKNOW sample passed locally)', () => {
    /** A "Sample Cataloged" event whose PutEvents entry is `size` bytes. */
    const eventOfSize = (size: number): BusEvent => {
      const fixed = putEventsEntrySize(event('Sample Cataloged', { chunks: '' }));
      return event('Sample Cataloged', { chunks: 'x'.repeat(size - fixed) });
    };

    it.each([
      { case: 'an entry of exactly the limit is logged and delivered', size: PUT_EVENTS_MAX_BYTES, refused: false },
      { case: 'an entry one byte over is refused, and neither logged nor delivered', size: PUT_EVENTS_MAX_BYTES + 1, refused: true },
    ])('$case', async ({ size, refused }) => {
      // Prepare
      const delivered: string[] = [];
      const bus = new LocalEventBus({
        rules: [rule('all', { source: ['landfall'] })],
        region: 'eu-west-1',
        logDir,
        invoke: async (_target, e) => void delivered.push(e['detail-type']),
      });
      // Act
      const outcome = await bus.publish([eventOfSize(size)]).then(
        () => undefined,
        (error: unknown) => error,
      );
      await bus.drain();
      // Assess
      const logged = await readFile(path.join(logDir, 'events.jsonl'), 'utf8').then(
        (text) => text.split('\n').filter(Boolean).length,
        () => 0,
      );
      if (refused) {
        expect(outcome).toBeInstanceOf(PutEventsValidationError);
        expect(outcome).toMatchObject({ name: 'ValidationException', detailType: 'Sample Cataloged', size, limit: PUT_EVENTS_MAX_BYTES });
        expect((outcome as Error).message).toContain('1,048,577 bytes');
        expect([logged, delivered.length]).toEqual([0, 0]);
      } else {
        expect(outcome).toBeUndefined();
        expect([logged, delivered.length]).toEqual([1, 1]);
      }
    });

    it('refuses the whole publish when ten entries, each under the limit, add up to more than one request carries', async () => {
      // Prepare
      const delivered: string[] = [];
      const bus = new LocalEventBus({
        rules: [rule('all', { source: ['landfall'] })],
        region: 'eu-west-1',
        logDir,
        invoke: async (_target, e) => void delivered.push(e['detail-type']),
      });
      // Act
      const outcome = bus.publish(Array.from({ length: 10 }, () => eventOfSize(110_000)));
      // Assess
      await expect(outcome).rejects.toThrow(/events 1–10 of this publish, one PutEvents request, add up to 1,100,000 bytes/);
      await bus.drain();
      expect(delivered).toEqual([]);
    });
  });

  describe('quietFor (work that gives way to some targets on this one thread)', () => {
    /** A bus whose `validate` deliveries each wait for a release of their own; `land` ones end at once. */
    function heldBus() {
      const releases: Array<() => void> = [];
      const bus = new LocalEventBus({
        rules: [rule('landed', { 'detail-type': ['Sample Landed'] }, 'validate'), rule('object', { 'detail-type': ['Object'] }, 'land')],
        region: 'eu-west-1',
        logDir,
        retryDelaysMs: [10, 10],
        invoke: (target) => (target === 'validate' ? new Promise<void>((resolve) => releases.push(resolve)) : Promise.resolve()),
      });
      return { bus, releases };
    }
    const settled = async (promise: Promise<void>) => {
      let done = false;
      void promise.then(() => (done = true));
      await new Promise((resolve) => setTimeout(resolve, 20));
      return done;
    };

    it('resolves at once when no delivery to those targets is waiting or running', async () => {
      const { bus } = heldBus();
      await bus.publish([event('Object')]);
      expect(await settled(bus.quietFor(['validate'], 60_000))).toBe(true);
    });

    it('waits while a delivery to one of them runs or waits, and resolves when the last one ends', async () => {
      // Prepare: two validations running
      const { bus, releases } = heldBus();
      await bus.publish([event('Sample Landed'), event('Sample Landed')]);
      await new Promise((resolve) => setTimeout(resolve, 10));
      // Act
      const quiet = bus.quietFor(['validate', 'startWorkflow'], 60_000);
      // Assess: not while either runs, nor for a delivery to another target
      expect(bus.busyWith(['validate', 'startWorkflow'])).toBe(2);
      await bus.publish([event('Object')]);
      releases[0]!();
      expect(await settled(quiet)).toBe(false);
      releases[1]!();
      expect(await settled(quiet)).toBe(true);
      expect(bus.busyWith(['validate', 'startWorkflow'])).toBe(0);
      await bus.drain();
    });

    it('does not wait for ever behind a stream of them: at most maxWaitMs', async () => {
      const { bus, releases } = heldBus();
      await bus.publish([event('Sample Landed')]);
      await new Promise((resolve) => setTimeout(resolve, 10));
      const quiet = bus.quietFor(['validate'], 50);
      expect(await settled(quiet)).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(await settled(quiet)).toBe(true);
      releases[0]!();
      await bus.drain();
    });

    it('lets every waiter go when the bus closes', async () => {
      const { bus } = heldBus();
      await bus.publish([event('Sample Landed')]);
      await new Promise((resolve) => setTimeout(resolve, 10));
      const quiet = bus.quietFor(['validate'], 60_000);
      await bus.close(10);
      expect(await settled(quiet)).toBe(true);
    });
  });

  it('refuses to start with a pattern EventBridge would refuse', () => {
    expect(
      () => new LocalEventBus({ rules: [rule('bad', { source: 'landfall' })], region: 'r', logDir, invoke: async () => undefined }),
    ).toThrow(InvalidPatternError);
  });
});
