/**
 * Emulator tier: publishing on S3 verifies each output and its two copies by S3's own full-object CRC64NVME
 * (a head) against the one stage-out computed of the job's file, reading no byte back — a 50 GB BAM read three
 * times through the publishing function could not finish in its 15 minutes. Where S3's checksum cannot vouch
 * (absent, or unequal: moto answers multipart uploads with a wrong 4-byte value) the bytes are read and the MD5
 * decides, as before; a wrong object is refused either way.
 *
 * Quarantine likewise: a rejected file still the very object validation read (ETag, size, version) is not read
 * again, its copy verified by the checksum S3 keeps of it; a file that changed since is read, and refused.
 *
 * Real parts: moto, S3Storage, the real stage-out, publishVerified and quarantineSample (with a real catalog). Reads are counted at the SDK client
 * (GetObject commands); moto's own CRC64NVME of a single-part upload is the independent recount of ours.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JobManifest } from '../../contracts/jobPayload.ts';
import { attemptPrefix, OUTPUT_CRC64NVME_METADATA, OUTPUT_MD5_METADATA } from '../../contracts/workArea.ts';
import { type PublishPlan, publishVerified } from '../../functions/publishing/publishVerified.ts';
import { VerificationError } from '../../functions/publishing/verifiedCopy.ts';
import type { ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import { S3Storage } from '../../seams/storage/S3Storage.ts';
import { stageOut } from '../../workflows/job/stageOut.ts';
import { volumeLayout } from '../../workflows/job/volume.ts';
import { quarantineSample } from '../../functions/validation/quarantine.ts';
import type { ValidationReason, VersionFile } from '../../validation/types.ts';
import { MOTO_MISSING, type MotoServer, startMoto } from '../support/motoServer.ts';
import { startServicesHarness } from '../support/servicesHarness.ts';

const MiB = 1024 * 1024;
const BUCKET = 'landfall-results-checksums';
const md5 = (bytes: Buffer | string) => createHash('md5').update(bytes).digest('hex');

/** Bytes that differ at every position, so a shifted or truncated copy cannot pass for them. */
function patterned(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let index = 0; index < size; index++) bytes[index] = (index * 31 + seed * 7 + (index >> 8)) & 0xff;
  return bytes;
}

/** An S3 client on moto that notes the key of every GetObject it sends in `reads`. */
function readCountingClient(moto: MotoServer, reads: string[]): S3Client {
  const client = new S3Client({
    endpoint: moto.endpoint,
    region: 'eu-west-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    // The SDK would check a read against moto's wrong CRC64NVME of a multipart upload and fail it; S3's is right.
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetObjectCommand') reads.push((args.input as { Key: string }).Key);
      return next(args);
    },
    { step: 'initialize', name: 'countReads' },
  );
  return client;
}

if (MOTO_MISSING) {
  describe.skip('publishing verified by S3 checksums (moto)', () => it('needs moto_server', () => undefined));
} else {
  describe('publishing verified by S3 checksums (moto)', () => {
    let moto: MotoServer;
    let client: S3Client;
    let storage: S3Storage;
    let volume: string;
    /** Keys whose bytes were read (GetObject), in order. */
    const reads: string[] = [];

    beforeAll(async () => {
      moto = await startMoto();
      client = readCountingClient(moto, reads);
      storage = new S3Storage(client, { uploadPartSize: 5 * MiB });
    });
    afterAll(async () => {
      client?.destroy();
      await moto?.close();
    });
    beforeEach(async () => {
      await moto.reset();
      await client.send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
      await client.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
      volume = await mkdtemp(path.join(tmpdir(), 'landfall-checksums-'));
      reads.length = 0;
      return () => rm(volume, { recursive: true, force: true });
    });

    const manifest: JobManifest = {
      schemaVersion: 1,
      pipeline: 'dna-align',
      step: 'align',
      scope: 'sample',
      team: 'genomics',
      runId: 'R1',
      sampleId: 'S1',
      reads: [],
      steps: [],
      workBucket: BUCKET,
      workPrefix: 'work/exec-1/align/',
    };
    const plan: PublishPlan = {
      work: { bucket: BUCKET, prefix: attemptPrefix(manifest.workPrefix, 1) },
      bucket: BUCKET,
      stagingKey: (relative) => `publishing/exec-1/align/${relative}`,
      publishedKey: (relative) => `teams/genomics/runs/R1/samples/S1/v1/align/${relative}`,
    };

    /** The tool's outputs in `{{out}}`, then the real stage-out uploading them to attempt 1's area. */
    async function stageOutputs(files: Record<string, Buffer>): Promise<void> {
      const out = volumeLayout(volume).out;
      for (const [name, bytes] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(out, name)), { recursive: true });
        await writeFile(path.join(out, name), bytes);
      }
      const containers = ['stage-in', 'tool'].map((name) => ({ name, exitCode: 0 }));
      const result = await stageOut(manifest, storage, volume, 1, containers);
      expect(result.outcome).toBe('uploaded');
    }

    it('stage-out records the CRC64NVME S3 computes of each output, beside its MD5', async () => {
      // Prepare
      const bam = patterned(300_000, 1);
      // Act
      await stageOutputs({ 'S1.bam': bam });
      // Assess: moto computed its CRC64NVME of the bytes it received, independently of ours
      const stored = await storage.head(BUCKET, `${plan.work.prefix}S1.bam`);
      expect(stored?.metadata[OUTPUT_MD5_METADATA]).toBe(md5(bam));
      expect(stored?.crc64nvme).toMatch(/^[A-Za-z0-9+/]{11}=$/); // 8 bytes, base64
      expect(stored?.metadata[OUTPUT_CRC64NVME_METADATA]).toBe(stored?.crc64nvme);
    });

    it('publishes by S3 checksum without reading a byte back, and reads only what the checksum cannot vouch for', async () => {
      // Prepare: two single-part outputs, and one uploaded in parts (moto's CRC64NVME of it is wrong)
      const files = { 'S1.bam': patterned(400_000, 2), 'S1.bam.bai': patterned(9_000, 3), 'S1.big.cram': patterned(6 * MiB, 4) };
      await stageOutputs(files);
      reads.length = 0;
      // Act
      const published = await publishVerified(storage, plan);
      // Assess: the outputs, with the job's MD5s, and the team's copies hold exactly the tool's bytes
      expect(published.map((output) => [output.key, output.size, output.md5])).toEqual(
        Object.entries(files).map(([name, bytes]) => [plan.publishedKey(name), bytes.length, md5(bytes)]),
      );
      const readDuringPublish = [...reads].sort();
      for (const [name, bytes] of Object.entries(files))
        expect(md5(await storage.getBytes(BUCKET, plan.publishedKey(name)))).toBe(md5(bytes));
      // Only the multipart output was read: its work-area object, its staging copy, its team copy.
      expect(readDuringPublish).toEqual(
        [`${plan.work.prefix}S1.big.cram`, plan.stagingKey('S1.big.cram'), plan.publishedKey('S1.big.cram')].sort(),
      );
      expect(await storage.list(BUCKET, 'publishing/')).toEqual([]);
    });

    it('refuses a work-area object whose bytes are not the ones its job recorded, and publishes nothing', async () => {
      // Prepare: the recorded checksums are those of the tool's file; the stored bytes differ
      const recordedOf = patterned(50_000, 5);
      await stageOutputs({ 'S1.bam': recordedOf });
      const good = await storage.head(BUCKET, `${plan.work.prefix}S1.bam`);
      await storage.put(BUCKET, `${plan.work.prefix}S1.bam`, patterned(50_000, 6), { metadata: good!.metadata });
      // Act
      const publishing = publishVerified(storage, plan);
      // Assess
      await expect(publishing).rejects.toThrow(VerificationError);
      await expect(publishing).rejects.toThrow(`MD5 ${md5(patterned(50_000, 6))} differs from ${md5(recordedOf)} recorded by its job`);
      expect(await storage.list(BUCKET, 'teams/')).toEqual([]);
    });

    it('refuses a copy that does not hold the source bytes, and removes it', async () => {
      // Prepare: a storage whose copy writes other bytes under the target key (the collaborator faked to reach the path)
      await stageOutputs({ 'S1.bam': patterned(70_000, 7) });
      const wrongCopies: ObjectStorage = {
        fullObjectChecksum: storage.fullObjectChecksum,
        put: storage.put.bind(storage),
        get: storage.get.bind(storage),
        getBytes: storage.getBytes.bind(storage),
        head: storage.head.bind(storage),
        list: storage.list.bind(storage),
        delete: storage.delete.bind(storage),
        copy: async (sourceBucket, sourceKey, targetBucket, targetKey) => {
          const source = await storage.head(sourceBucket, sourceKey);
          return storage.put(targetBucket, targetKey, patterned(70_000, 8), { metadata: source!.metadata });
        },
      };
      // Act
      const publishing = publishVerified(wrongCopies, plan);
      // Assess
      await expect(publishing).rejects.toThrow(VerificationError);
      await expect(publishing).rejects.toThrow(/differs from its source/);
      expect(await storage.head(BUCKET, plan.stagingKey('S1.bam'))).toBeUndefined();
      expect(await storage.list(BUCKET, 'teams/')).toEqual([]);
    });
  });
}

if (!MOTO_MISSING) {
  describe('quarantine verified by identity and S3 checksums (moto)', () => {
    let moto: MotoServer;
    let client: S3Client;
    let harness: Awaited<ReturnType<typeof startServicesHarness>>;
    const reads: string[] = [];

    beforeAll(async () => {
      moto = await startMoto();
      client = readCountingClient(moto, reads);
      // Real catalog (dynalite); the storage the handlers get is S3 on moto.
      harness = await startServicesHarness({ wrapStorage: () => new S3Storage(client) });
      for (const bucket of [harness.names.landing, harness.names.quarantine]) {
        await client.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
        await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
      }
    });
    afterAll(async () => {
      await harness?.stop();
      client?.destroy();
      await moto?.close();
    });

    /** A landed FASTQ as validation concluded it: its identity from a head, its MD5 of the bytes it read. */
    async function landedAndValidated(runId: string, name: string, bytes: Buffer): Promise<VersionFile> {
      const storage = harness.services.storage;
      const key = `incoming/genomics/${runId}/${name}`;
      const info = await storage.put(harness.names.landing, key, bytes);
      const identity = {
        name,
        bucket: info.bucket,
        key,
        size: info.size,
        etag: info.etag,
        ...(info.versionId ? { versionId: info.versionId } : {}),
      };
      await harness.services.catalog.runs.recordFile('genomics', runId, { ...identity, landedAt: new Date().toISOString() });
      return { ...identity, md5: md5(bytes), read: 'R1', lane: 1, reads: 1 };
    }
    const reason = (file: string): ValidationReason => ({ code: 'GZIP_TRUNCATED', file, message: 'truncated gzip' });

    it('moves a validated file to quarantine without reading its bytes back', async () => {
      // Prepare
      const bytes = patterned(500_000, 9);
      const file = await landedAndValidated('RUN1', 'S1_S1_L001_R1_001.fastq.gz', bytes);
      reads.length = 0;
      // Act
      const { files } = await quarantineSample(
        harness.services,
        { team: 'genomics', runId: 'RUN1', sampleId: 'S1', version: 1 },
        [file],
        [reason(file.name)],
      );
      // Assess: the only object read is reasons.json (read back by design); the landed file is gone, its copy whole
      expect(reads).toEqual(['genomics/RUN1/S1/v1/reasons.json']);
      expect(md5(await harness.services.storage.getBytes(harness.names.quarantine, files[0]!.key))).toBe(md5(bytes));
      expect(await harness.services.storage.head(harness.names.landing, file.key)).toBeUndefined();
    });

    it('refuses to quarantine a file that changed since it was validated, and keeps it where it landed', async () => {
      // Prepare: validated, then landed again with other bytes of the same size
      const file = await landedAndValidated('RUN2', 'S2_S1_L001_R1_001.fastq.gz', patterned(40_000, 10));
      await harness.services.storage.put(harness.names.landing, file.key, patterned(40_000, 11));
      // Act
      const moving = quarantineSample(
        harness.services,
        { team: 'genomics', runId: 'RUN2', sampleId: 'S2', version: 1 },
        [file],
        [reason(file.name)],
      );
      // Assess
      await expect(moving).rejects.toThrow(VerificationError);
      expect(md5(await harness.services.storage.getBytes(harness.names.landing, file.key))).toBe(md5(patterned(40_000, 11)));
    });
  });
}
