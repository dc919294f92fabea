/**
 * `npm run bench -- --only dashboard`: first render of the dashboard on a 96-sample run, measured, never
 * asserted. A real local catalog (dynalite) is filled through the Catalog's own writes with one run of 96
 * completed samples (three published steps each, with cost), the dashboard server reads it, and Debian's
 * Chromium (playwright-core, /usr/bin/chromium) opens the page: the figure is the time from navigation
 * start until all 96 sample rows are on screen. The server's cold and warm overview reads are reported too.
 */
import { landingKey } from '../contracts/keys.ts';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTokens } from '../runtime/identity/identity.ts';
import { defineConfig } from '../config/defineConfig.ts';
import { Catalog } from '../functions/catalog/Catalog.ts';
import { startCatalogServer } from '../runtime/catalog/startCatalogServer.ts';
import { startDashboardServer } from '../runtime/dashboard/DashboardServer.ts';
import type { BenchModule, BenchRow } from './types.ts';
import { BUS_LOG_NAME } from '../runtime/bus/LocalEventBus.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SAMPLES = 96;
const RUN_ID = '261206_LH00417_0400_B22BENCH96';
const STEPS = ['qc', 'trim', 'profile'];

const config = defineConfig({
  app: 'landfall',
  homeRegion: 'eu-west-1',
  regions: [{ name: 'eu-west-1', vcpuQuota: 64 }],
  teams: [{ id: 'genomics', profile: 'illumina', pipeline: 'demo' }],
});

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (value: number) => Math.round(value * 10) / 10;

async function seed(catalog: Catalog): Promise<void> {
  const ids = Array.from({ length: SAMPLES }, (_, index) => `Sample${String(index + 1).padStart(2, '0')}`);
  // A few samples at a time: the local server serialises writes anyway.
  for (let start = 0; start < ids.length; start += 8) {
    await Promise.all(
      ids.slice(start, start + 8).map(async (sampleId) => {
        const ref = { team: 'genomics', runId: RUN_ID, sampleId };
        const names = (['R1', 'R2'] as const).map((read) => ({ read, name: `${sampleId}_L001_${read}_001.fastq.gz` }));
        for (const { name } of names)
          await catalog.runs.recordFile('genomics', RUN_ID, {
            name,
            bucket: 'landfall-landing',
            key: landingKey('genomics', RUN_ID, name),
            size: 1_000_000,
            etag: name,
            landedAt: new Date().toISOString(),
          });
        await catalog.samples.claimVersion(
          ref,
          `hash-${sampleId}`,
          names.map(({ read, name }) => ({
            name,
            read,
            bucket: 'landfall-landing',
            key: name,
            size: 1_000_000,
            etag: name,
            md5: name,
            lane: 1,
            reads: 2000,
          })),
          'READY',
        );
        for (const step of STEPS) {
          await catalog.steps.put({
            ...ref,
            version: 1,
            step,
            status: 'RUNNING',
            jobName: `${sampleId}-${step}`,
            region: 'eu-west-1',
            startedAt: new Date().toISOString(),
          });
          await catalog.steps.recordPublished(
            { ...ref, version: 1 },
            step,
            [{ key: `teams/genomics/${sampleId}/${step}.txt`, size: 10, md5: 'x' }],
            1,
            {
              region: 'eu-west-1',
              capacityType: 'on-demand',
              attempts: 1,
              seconds: 60,
              vcpuSeconds: 120,
              memoryGbSeconds: 60,
              computeUsd: 0.0015,
              transferBytes: 0,
              transferUsd: 0,
              estimatedUsd: 0.0015,
            },
          );
        }
        await catalog.samples.updateVersion({ ...ref, version: 1 }, { status: 'COMPLETED', completedAt: new Date().toISOString() });
        await catalog.samples.setStatus(ref, 'COMPLETED', { currentVersion: 1, detail: `v1 completed: ${STEPS.join(', ')}` });
      }),
    );
  }
  await catalog.runs.update('genomics', RUN_ID, { status: 'DONE', signal: 'CopyComplete.txt' });
}

export const dashboardBench: BenchModule = {
  name: 'dashboard',
  description: `first render of the dashboard on a ${SAMPLES}-sample run (catalog on dynalite, page in Debian's Chromium)`,
  async run(context) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-bench-dashboard-'));
    const catalogServer = await startCatalogServer(path.join(dir, 'catalog'));
    const client = () =>
      new Catalog(
        'landfall-catalog',
        new DynamoDBClient({
          endpoint: catalogServer.endpoint,
          region: 'eu-west-1',
          credentials: catalogServer.credentials,
        }),
      );
    const rows: BenchRow[] = [];
    try {
      const catalog = client();
      await catalog.ensureTable();
      context.log(`bench dashboard: writing a ${SAMPLES}-sample run into the catalog…`);
      await seed(catalog);
      const tokens = await ensureTokens(dir, config);
      const server = await startDashboardServer({
        catalog: client(),
        config,
        stateDir: dir,
        busLogFile: path.join(dir, 'bus', BUS_LOG_NAME),
      });
      try {
        // Server side: the first overview (every sample's versions and steps read) and a later one (terminal samples remembered).
        const overview = async () => {
          const started = performance.now();
          const response = await fetch(new URL('/api/overview', server.url), { headers: { authorization: `Bearer ${tokens.operator}` } });
          if (!response.ok) throw new Error(`overview answered ${response.status}: ${await response.text()}`);
          await response.arrayBuffer();
          return performance.now() - started;
        };
        rows.push({ name: `overview JSON, first read (${SAMPLES} samples)`, value: round(await overview()), unit: 'ms', target: '' });
        const warm: number[] = [];
        for (let run = 0; run < context.runs; run++) warm.push(await overview());
        rows.push({ name: 'overview JSON, later reads (median)', value: round(median(warm)), unit: 'ms', target: '' });

        if (!existsSync(CHROMIUM)) {
          rows.push({
            name: 'first render in Chromium (median)',
            value: null,
            unit: 'ms',
            target: '',
            note: `${CHROMIUM} is absent: apt-get install -y chromium`,
          });
          return rows;
        }
        const { chromium } = await import('playwright-core');
        const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
        try {
          const renders: number[] = [];
          for (let run = 0; run < context.runs; run++) {
            // A new context each time: no cookie, no cache, as a person opening the page.
            const page = await (await browser.newContext()).newPage();
            await page.goto(`${server.url}?token=${encodeURIComponent(tokens.operator)}`);
            const at = await page.waitForFunction(
              (count) => {
                const doc = (globalThis as unknown as { document: { querySelectorAll(selector: string): { length: number } } }).document;
                return doc.querySelectorAll('tr[data-sample]').length >= count
                  ? (globalThis as unknown as { performance: { now(): number } }).performance.now()
                  : false;
              },
              SAMPLES,
              { timeout: 60_000, polling: 'raf' },
            );
            renders.push(Number(await at.jsonValue()));
            await page.context().close();
          }
          rows.push({
            name: `first render in Chromium, navigation to ${SAMPLES} rows (median)`,
            value: round(median(renders)),
            unit: 'ms',
            target: '',
            note: `runs: ${renders.map(round).join(', ')}; server already read the run once`,
          });
        } finally {
          await browser.close();
        }
      } finally {
        await server.close();
      }
    } finally {
      await catalogServer.close();
      await rm(dir, { recursive: true, force: true });
    }
    return rows;
  },
};
