/**
 * Hostile use of a live embedded runtime (issue 22). Findings 1, 2 and 11: links to another
 * team's FASTQs, to the state dir's tokens.json, to /etc and to a device, a linked run folder, FIFOs named
 * like FASTQs, a socket, dot-files and an unconfigured team's folder sit beside a real run. Nothing of them
 * lands, the runtime keeps answering while they are there, each is reported with its path and why in
 * `landfall status`, on the dashboard and in the run report (scoped by team), the real run completes, and
 * SIGTERM stops the runtime. Finding 5: the state dir is private and the catalog needs its secret. Finding 9: `reprocess` and `replay` take `--token` and act for that team only.
 */
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import { runReportPrefix } from '../../contracts/keys.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import { runLandfall } from '../support/cli.ts';
import { dropRun, readBusLog, waitFor, waitForTerminalSamples, withLiveRuntime, type RuntimeProcess } from '../support/runtimeProcess.ts';

const GENOMICS = { team: 'genomics', runId: '261123_LH00417_0700_B22HOSTIL' };
const MICROBIO = { team: 'microbio', runId: '261123_LH00418_0701_B22MICROB' };

describe('a hostile share on the embedded runtime', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  withLiveRuntime('landfall-hostile-', (live) => ({ stateDir, runtime } = live));

  it('lands only the real files, reports every other entry with its reason, and completes the real run', async () => {
    // Prepare: microbio's real run, and a genomics run folder laced with links and special files
    const share = runtime.info.shareDir;
    const tokens = JSON.parse(await readFile(path.join(stateDir, 'tokens.json'), 'utf8')) as {
      operator: string;
      teams: Record<string, string>;
    };
    const microbio = await generateRun({
      dir: path.join(stateDir, 'instrument', 'm'),
      ...MICROBIO,
      seed: 71,
      samples: 1,
      readsPerSample: 200,
    });
    await dropRun(share, MICROBIO.team, microbio);
    const genomics = await generateRun({
      dir: path.join(stateDir, 'instrument', 'g'),
      ...GENOMICS,
      seed: 72,
      samples: 1,
      readsPerSample: 200,
    });
    const elsewhere = await generateRun({
      dir: path.join(stateDir, 'elsewhere', 'RUN_LINKED'),
      runId: '261123_LH00417_0702_B22LINKED',
      team: 'genomics',
      seed: 73,
      samples: 1,
      readsPerSample: 200,
    });
    const run = path.join(share, GENOMICS.team, GENOMICS.runId);
    await mkdir(run, { recursive: true });
    const microbioFastq = microbio.files.find((file) => file.kind === 'fastq')!;
    await symlink(path.join(share, MICROBIO.team, MICROBIO.runId, microbioFastq.name), path.join(run, `X_${microbioFastq.name}`));
    await symlink(path.join(stateDir, 'tokens.json'), path.join(run, 'tokens.json'));
    await symlink('/etc', path.join(run, 'etc'));
    await symlink('/dev/zero', path.join(run, 'zeros_R1_001.fastq.gz'));
    for (let i = 1; i <= 4; i++) execFileSync('mkfifo', [path.join(run, `Pipe${i}_S9_L001_R1_001.fastq.gz`)]);
    const socket = createServer();
    await new Promise<void>((resolve) => socket.listen(path.join(run, 'instrument.sock'), resolve));
    await writeFile(path.join(run, '.DS_Store'), 'finder');
    await symlink(elsewhere.dir, path.join(share, GENOMICS.team, '261123_LH00417_0702_B22LINKED'));
    await mkdir(path.join(share, 'physics', 'RUN_P'), { recursive: true });
    await writeFile(path.join(share, 'physics', 'RUN_P', 'P1_S1_L001_R1_001.fastq.gz'), 'not a team');
    // Act: the real files last, as an instrument writes them
    await dropRun(share, GENOMICS.team, genomics);
    const expectedSkips = {
      [`genomics/${GENOMICS.runId}/X_${microbioFastq.name}`]: 'symlink',
      [`genomics/${GENOMICS.runId}/tokens.json`]: 'symlink',
      [`genomics/${GENOMICS.runId}/etc`]: 'symlink',
      [`genomics/${GENOMICS.runId}/zeros_R1_001.fastq.gz`]: 'symlink',
      [`genomics/${GENOMICS.runId}/Pipe1_S9_L001_R1_001.fastq.gz`]: 'fifo',
      [`genomics/${GENOMICS.runId}/Pipe2_S9_L001_R1_001.fastq.gz`]: 'fifo',
      [`genomics/${GENOMICS.runId}/Pipe3_S9_L001_R1_001.fastq.gz`]: 'fifo',
      [`genomics/${GENOMICS.runId}/Pipe4_S9_L001_R1_001.fastq.gz`]: 'fifo',
      [`genomics/${GENOMICS.runId}/instrument.sock`]: 'socket',
      [`genomics/${GENOMICS.runId}/.DS_Store`]: 'hidden',
      'genomics/261123_LH00417_0702_B22LINKED': 'symlink',
      'physics/RUN_P/P1_S1_L001_R1_001.fastq.gz': 'unknown-team',
    };
    // The runtime answers while the FIFOs and the socket are there: status as the operator lists every entry
    const status = await waitFor(
      'every entry reported in status',
      async () => {
        const result = await runLandfall(stateDir, ['status', '--json'], { timeoutMs: 30_000 });
        expect(result.code).toBe(0);
        const parsed = JSON.parse(result.stdout) as {
          notLandedFromShare: { count: number; entries: Array<{ path: string; kind: string }> };
        };
        return parsed.notLandedFromShare.count >= Object.keys(expectedSkips).length ? parsed : undefined;
      },
      60_000,
      500,
    );
    const samples = await waitForTerminalSamples(runtime.catalog, GENOMICS.team, GENOMICS.runId, 1);
    await waitForTerminalSamples(runtime.catalog, MICROBIO.team, MICROBIO.runId, 1);

    // Assess: nothing but the two real runs landed
    const storage = new FolderStorage(path.join(stateDir, 'buckets'));
    const landed = (await storage.list('landfall-landing', 'incoming/')).map((object) => object.key).sort();
    expect(landed).toEqual(
      [
        ...genomics.files.map((file) => `incoming/genomics/${GENOMICS.runId}/${file.name}`),
        ...microbio.files.map((file) => `incoming/microbio/${MICROBIO.runId}/${file.name}`),
      ].sort(),
    );
    expect(samples.map((sample) => sample.status)).toEqual(['COMPLETED']);
    expect(Object.fromEntries(status.notLandedFromShare.entries.map((entry) => [entry.path, entry.kind]))).toEqual(expectedSkips);

    // A team sees its own folder's entries only (the unconfigured folder is the operator's)
    const asGenomics = await runLandfall(stateDir, ['status', '--json', '--token', tokens.teams.genomics!]);
    const genomicsView = JSON.parse(asGenomics.stdout) as { notLandedFromShare: { entries: Array<{ path: string }> } };
    expect(genomicsView.notLandedFromShare.entries.map((entry) => entry.path).sort()).toEqual(
      Object.keys(expectedSkips)
        .filter((entry) => entry.startsWith('genomics/'))
        .sort(),
    );
    const asMicrobio = await runLandfall(stateDir, ['status', '--token', tokens.teams.microbio!]);
    expect(asMicrobio.stdout).not.toContain('not landed from the share');
    const text = await runLandfall(stateDir, ['status']);
    expect(text.stdout).toContain(`not landed from the share: ${Object.keys(expectedSkips).length} (first 10; --json lists all)`);

    // The dashboard shows them on the run and in its own section
    const overview = (await (
      await fetch(`http://127.0.0.1:${runtime.info.ports.dashboard}/api/overview`, {
        headers: { authorization: `Bearer ${tokens.teams.genomics}` },
      })
    ).json()) as {
      overview: {
        notLanded: { count: number; shown: Array<{ path: string; reason: string }> };
        teams: Array<{ runs: Array<{ runId: string; notLanded?: number }> }>;
      };
    };
    expect(overview.overview.notLanded.count).toBe(11);
    expect(overview.overview.teams[0]!.runs.find((row) => row.runId === GENOMICS.runId)?.notLanded).toBe(10);
    expect(overview.overview.notLanded.shown.find((entry) => entry.path.endsWith('/tokens.json'))?.reason).toBe(
      `a symbolic link to ${path.join(stateDir, 'tokens.json')}, not landed: the share never follows links (an S3 File Gateway share does not either): copy the data itself into the share`,
    );

    // The run report lists the run folder's entries with their reasons
    const reportKey = `${runReportPrefix(GENOMICS.team, GENOMICS.runId)}report.json`;
    const report = await waitFor(
      'the run report',
      async () =>
        (await storage.head('landfall-results', reportKey)) &&
        JSON.parse((await storage.getBytes('landfall-results', reportKey)).toString()),
      60_000,
      250,
    );
    expect((report.notLandedFromShare as Array<{ path: string }>).map((entry) => entry.path).sort()).toEqual(
      Object.keys(expectedSkips)
        .filter((entry) => entry.startsWith(`genomics/${GENOMICS.runId}/`))
        .sort(),
    );
    await new Promise((resolve) => socket.close(resolve));
  }, 180_000);

  it('keeps the state dir private: folders 0700, files 0600, and a catalog only the secret in runtime.json opens', async () => {
    // Prepare: what the runtime wrote (the test's own instrument folders and the share's contents are not its)
    const theTests = new Set(['instrument', 'elsewhere', 'share']);
    const entries = (await readdir(stateDir, { recursive: true, withFileTypes: true })).filter(
      (entry) => !theTests.has(path.relative(stateDir, path.join(entry.parentPath, entry.name)).split(path.sep)[0]!),
    );
    // Act
    const loose = [];
    for (const entry of entries) {
      const file = path.join(entry.parentPath, entry.name);
      const { mode } = await lstat(file);
      if ((entry.isDirectory() && (mode & 0o777) !== 0o700) || (entry.isFile() && (mode & 0o777) !== 0o600))
        loose.push(`${path.relative(stateDir, file)} ${(mode & 0o777).toString(8)}`);
    }
    const scan = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
      new DynamoDBClient({
        endpoint: `http://127.0.0.1:${runtime.info.ports.catalog}`,
        region: 'eu-west-1',
        credentials,
        maxAttempts: 1,
      }).send(new ScanCommand({ TableName: 'landfall-catalog', Limit: 1 }));
    // Assess
    expect(entries.filter((entry) => entry.isFile()).length).toBeGreaterThan(20);
    expect(loose).toEqual([]);
    expect(((await stat(stateDir)).mode & 0o777).toString(8)).toBe('700');
    await expect(scan({ accessKeyId: 'landfall-local', secretAccessKey: 'landfall-local' })).rejects.toMatchObject({
      name: 'InvalidSignatureException',
    });
    expect((await scan(runtime.info.catalogCredentials)).Items).toHaveLength(1);
  });

  it('reprocess and replay act as the caller: a team token is refused another team and replays only its own', async () => {
    // Prepare
    const tokens = JSON.parse(await readFile(path.join(stateDir, 'tokens.json'), 'utf8')) as { teams: Record<string, string> };
    const sample = `${MICROBIO.team}/${MICROBIO.runId}/Sample01`;
    const requests = () => readBusLog(stateDir).filter((event) => event['detail-type'] === 'Reprocess Requested');
    // Act
    const foreign = await runLandfall(stateDir, ['reprocess', sample, '--token', tokens.teams.genomics!]);
    const own = await runLandfall(stateDir, ['reprocess', sample, '--token', tokens.teams.microbio!, '--json']);
    const replayOwn = await runLandfall(stateDir, [
      'replay',
      '--since',
      '2000-01-01T00:00:00Z',
      '--json',
      '--token',
      tokens.teams.genomics!,
    ]);
    const replayForeign = await runLandfall(stateDir, [
      'replay',
      '--since',
      '2000-01-01T00:00:00Z',
      '--team',
      'microbio',
      '--token',
      tokens.teams.genomics!,
    ]);
    await waitFor('the reprocess request on the bus', () => (requests().length > 0 ? true : undefined), 10_000);
    // Assess
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain("team genomics cannot read team microbio's data");
    expect(own.code).toBe(0);
    expect(requests().map((event) => [event.detail.team, event.detail.sampleId])).toEqual([['microbio', 'Sample01']]);
    expect(replayOwn.code).toBe(0);
    const storage = new FolderStorage(path.join(stateDir, 'buckets'));
    expect(JSON.parse(replayOwn.stdout)).toMatchObject({
      replayed: (await storage.list('landfall-landing', 'incoming/genomics/')).length,
      teams: ['genomics'],
    });
    expect(replayForeign.code).toBe(1);
    expect(replayForeign.stderr).toContain("team genomics cannot read team microbio's data");
  }, 120_000);

  it('stops on SIGTERM while the FIFOs are still on the share', async () => {
    // Act
    runtime.child.kill('SIGTERM');
    // A FIFO read would block forever; the runtime's own stop budget is 8 s, and a busy machine adds to it.
    const exit = await Promise.race([
      runtime.exited,
      new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 25_000)),
    ]);
    // Assess
    expect(exit).toEqual({ code: 0, signal: null });
  }, 40_000);
});
