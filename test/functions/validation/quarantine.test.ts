import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuleCode } from '../../../validation/rules.ts';
import type { ValidationReason, VersionFile } from '../../../validation/types.ts';
import { quarantineSample } from '../../../functions/validation/quarantine.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

describe('quarantine', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  describe('Function: quarantineSample', () => {
    it('keeps each rejected sample of a run with its own reasons.json (finding 8: one per run and version lost all but the last)', async () => {
      // Prepare: two samples of one run, both at v1, each with its own bad file
      const harness = await startServicesHarness();
      stop = harness.stop;
      const run = { team: 'genomics', runId: 'RUN1' };
      const landed = async (sampleId: string): Promise<VersionFile> => {
        const name = `${sampleId}_S1_L001_R1_001.fastq.gz`;
        const key = `incoming/genomics/RUN1/${name}`;
        await harness.folders.put(harness.names.landing, key, `bytes of ${sampleId}`);
        await harness.services.catalog.runs.recordFile(run.team, run.runId, {
          name,
          bucket: harness.names.landing,
          key,
          size: 10,
          etag: '"e"',
          landedAt: new Date().toISOString(),
        });
        return {
          name,
          bucket: harness.names.landing,
          key,
          size: 10,
          etag: '"e"',
          md5: md5(`bytes of ${sampleId}`),
          read: 'R1',
          lane: 1,
          reads: 1,
        };
      };
      const reason = (file: string, code: RuleCode, message: string): ValidationReason => ({ code, file, message });
      const s1 = await landed('S1');
      const s2 = await landed('S2');
      // Act
      const first = await quarantineSample(
        harness.services,
        { ...run, sampleId: 'S1', version: 1 },
        [s1],
        [reason(s1.name, 'GZIP_TRUNCATED', 'truncated gzip')],
      );
      const second = await quarantineSample(
        harness.services,
        { ...run, sampleId: 'S2', version: 1 },
        [s2],
        [reason(s2.name, 'FASTQ_SEPARATOR', "'+' expected")],
      );
      // Assess: both documents survive, each with its own sample's reasons and files
      expect([first.reasonsKey, second.reasonsKey]).toEqual(['genomics/RUN1/S1/v1/reasons.json', 'genomics/RUN1/S2/v1/reasons.json']);
      const read = async (key: string) => JSON.parse((await harness.folders.getBytes(harness.names.quarantine, key)).toString());
      expect(await read(first.reasonsKey)).toMatchObject({
        sampleId: 'S1',
        reasons: [{ file: s1.name, message: 'truncated gzip' }],
        files: [{ name: s1.name, key: `genomics/RUN1/S1/v1/${s1.name}` }],
      });
      expect(await read(second.reasonsKey)).toMatchObject({
        sampleId: 'S2',
        reasons: [{ file: s2.name, message: "'+' expected" }],
        files: [{ name: s2.name, key: `genomics/RUN1/S2/v1/${s2.name}` }],
      });
      expect((await harness.folders.getBytes(harness.names.quarantine, `genomics/RUN1/S2/v1/${s2.name}`)).toString()).toBe('bytes of S2');
    });
  });
});
