/**
 * Validation per file as it lands, on real folder storage and the real local DynamoDB-compatible catalog:
 * `land` announces each FASTQ ("File Landed"), validateLandedFile keeps one verdict per stored identity, and
 * concluding the sample combines the verdicts. Reads are counted by the validator itself (fastqPassCount).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { landObject } from '../../../functions/landing/landObject.ts';
import { type LandedFastq, validateLandedFile } from '../../../functions/validation/validateLandedFile.ts';
import { validateLandedSample } from '../../../functions/validation/validateLandedSample.ts';
import { fastqPassCount } from '../../../validation/inspectFastq.ts';
import { validateSample } from '../../../validation/validateSample.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';
import { gz, reads } from '../../validation/fastqFixtures.ts';

const TEAM = 'genomics';
const R1 = 'S1_S1_L001_R1_001.fastq.gz';
const R2 = 'S1_S1_L001_R2_001.fastq.gz';
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('validation per file as it lands', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  beforeAll(async () => {
    harness = await startServicesHarness();
  });
  afterAll(async () => harness?.stop());

  const keyOf = (runId: string, name: string) => `incoming/${TEAM}/${runId}/${name}`;
  /** Stores a file and lands it as `land` does for S3's event (re-driven: straight to the catalog). */
  async function land(runId: string, name: string, bytes: Buffer) {
    await harness.folders.put(harness.names.landing, keyOf(runId, name), bytes);
    return landObject(harness.services, { bucket: harness.names.landing, key: keyOf(runId, name) });
  }
  const announced = (runId: string) =>
    harness.published.filter((event) => event['detail-type'] === 'File Landed' && event.detail.runId === runId);
  /** Delivers the run's "File Landed" events not delivered yet to validateLandedFile, as the rule does. */
  const delivered = new Set<unknown>();
  async function deliverFileLanded(runId: string) {
    const outcomes: string[] = [];
    for (const event of announced(runId)) {
      if (delivered.has(event)) continue;
      delivered.add(event);
      const detail = event.detail as unknown as LandedFastq;
      outcomes.push((await validateLandedFile(harness.services, detail)).outcome);
    }
    return outcomes;
  }
  /** S1's mates, its sheet and CopyComplete.txt landed, and the mates' verdicts made: returns R1's and R2's bytes. */
  async function landS1WithVerdicts(runId: string) {
    const [r1, r2] = [gz(reads(15, { mate: 1 })), gz(reads(15, { mate: 2 }))];
    await land(runId, R1, r1);
    await land(runId, R2, r2);
    await land(runId, 'SampleSheet.csv', Buffer.from('[Data]\nSample_ID\nS1\n'));
    await land(runId, 'CopyComplete.txt', Buffer.from(''));
    await deliverFileLanded(runId);
    return [r1, r2] as const;
  }
  /** The run's "Unexpected File" events of kind `late` published since the `before`-th event. */
  const lateSince = (runId: string, before: number) =>
    harness.published
      .slice(before)
      .filter((event) => event['detail-type'] === 'Unexpected File' && event.detail.runId === runId && event.detail.kind === 'late');
  const conclude = (runId: string) => validateLandedSample(harness.services, { team: TEAM, runId, sampleId: 'S1', files: [R1, R2] });

  it('validates each FASTQ once as it lands; the sample is concluded from the verdicts without reading a file', async () => {
    // Prepare
    const runId = '261123_LH00417_0800_B22PERFIL';
    await land(runId, R1, gz(reads(60, { mate: 1 })));
    await land(runId, R2, gz(reads(60, { mate: 2 })));
    await land(runId, 'SampleSheet.csv', Buffer.from('[Data]\nSample_ID\nS1\n'));
    // Act
    const passesBefore = fastqPassCount();
    const outcomes = await deliverFileLanded(runId);
    const passesLanding = fastqPassCount() - passesBefore;
    const again = await validateLandedFile(harness.services, announced(runId)[0]!.detail as unknown as LandedFastq);
    const concluded = await conclude(runId);
    // Assess
    expect(announced(runId).map((event) => event.detail.name)).toEqual([R1, R2]);
    expect(outcomes).toEqual(['validated', 'validated']);
    expect(passesLanding).toBe(2);
    expect(again.outcome).toBe('already-validated');
    expect(concluded).toEqual({ outcome: 'cataloged', version: 1 });
    expect(fastqPassCount() - passesBefore).toBe(2);
  });

  it('checks a SHA-256 manifest that landed after the files against the verdicts made as they landed, reading no file again', async () => {
    // Prepare: two runs whose files are validated as they land; then each run's sha256sum manifest lands
    const good = '261123_LH00417_0805_B22PERFIL';
    const bad = '261123_LH00417_0806_B22PERFIL';
    const r1 = gz(reads(40, { mate: 1 }));
    const r2 = gz(reads(40, { mate: 2 }));
    for (const runId of [good, bad]) {
      await land(runId, R1, r1);
      await land(runId, R2, r2);
      await deliverFileLanded(runId);
    }
    const wrong = sha256(Buffer.from('other bytes'));
    await land(good, 'SHA256SUMS', Buffer.from(`${sha256(r1)}  ${R1}\n${sha256(r2)}  ${R2}\n`));
    await land(bad, 'SHA256SUMS', Buffer.from(`${sha256(r1)}  ${R1}\n${wrong}  ${R2}\n`));
    // Act
    const passesBefore = fastqPassCount();
    const concluded = [await conclude(good), await conclude(bad)];
    // Assess: both concluded from the landing verdicts; the wrong hash names the manifest's line
    expect(fastqPassCount() - passesBefore).toBe(0);
    expect(concluded).toEqual([
      { outcome: 'cataloged', version: 1 },
      { outcome: 'rejected', version: 1 },
    ]);
    const [version] = await harness.services.catalog.samples.listVersions({ team: TEAM, runId: bad, sampleId: 'S1' });
    expect((version!.reasons ?? []).map((reason) => [reason.code, reason.file, reason.expected])).toEqual([
      ['MANIFEST_SHA256_MISMATCH', R2, `SHA-256 ${wrong} (SHA256SUMS line 2)`],
    ]);
  });

  it("checks a MinKNOW run's FASTQs against its output hash file, found below the run folder, without reading them again", async () => {
    // Prepare: a library folder with one protocol run; its FASTQs validated as they land, then its hash file lands
    const runId = '20250603_ONT_HASHES';
    const folder = 'libA/20250603_1201_1A_PAW11111_e05460c6';
    const names = [0, 1].map((batch) => `${folder}/fastq_pass/barcode01/PAW11111_pass_barcode01_e05460c6_de9f2c7f_${batch}.fastq.gz`);
    const bytes = [gz(reads(12)), gz(reads(9, { from: 30 }))];
    for (const [index, name] of names.entries()) await land(runId, name, bytes[index]!);
    await deliverFileLanded(runId);
    const hashFile = `${folder}/output_hash_PAW11111_20250603_1201_e05460c6.csv`;
    const row = (data: Buffer, name: string) =>
      `e05460c6-93f9-439a-bc8f-d20c95a137a5,grp,PAW11111,libA,${sha256(data)},${name.slice(folder.length + 1)},barcode01,barcode01`;
    const header = 'runid,protocol_group_id,flow_cell_id,sample_id,file_hash,file_path,barcode,barcode_alias';
    // The second batch's row lists the first batch's bytes: MinKNOW hashed other bytes than those that landed
    await land(runId, hashFile, Buffer.from([header, row(bytes[0]!, names[0]!), row(bytes[0]!, names[1]!), ''].join('\n')));
    // Act
    const passesBefore = fastqPassCount();
    const concluded = await validateLandedSample(harness.services, { team: TEAM, runId, sampleId: 'barcode01', files: names });
    // Assess
    expect(fastqPassCount() - passesBefore).toBe(0);
    expect(concluded).toEqual({ outcome: 'rejected', version: 1 });
    const [version] = await harness.services.catalog.samples.listVersions({ team: TEAM, runId, sampleId: 'barcode01' });
    expect((version!.reasons ?? []).map((reason) => [reason.code, reason.file, reason.expected])).toEqual([
      ['MANIFEST_SHA256_MISMATCH', names[1], `SHA-256 ${sha256(bytes[0]!)} (${hashFile} line 3)`],
    ]);
  });

  it('checks a cataloged version against a manifest that landed after it, from the kept hashes, and says what differs', async () => {
    // Prepare: S1 cataloged (v1) from its landing verdicts; then the lab's SHA256SUMS lands, made for other R2 bytes
    const runId = '261123_LH00417_0807_B22PERFIL';
    const [r1, r2] = await landS1WithVerdicts(runId);
    expect(await conclude(runId)).toEqual({ outcome: 'cataloged', version: 1 });
    const wrong = sha256(Buffer.from('the bytes the lab hashed'));
    const before = harness.published.length;
    const passesBefore = fastqPassCount();
    // Act: the manifest lands (its evaluation checks v1), then the run is evaluated again by a later file
    await land(runId, 'SHA256SUMS', Buffer.from(`${sha256(r1)}  ${R1}\n${wrong}  ${R2}\n`));
    await land(runId, 'notes.txt', Buffer.from('flow cell washed\n'));
    // Assess: one message naming the document, its line and both hashes; no file read again; the check made once
    const said = lateSince(runId, before);
    expect(said.map((event) => [event.detail.sampleId, event.detail.file, event.detail.kind])).toEqual([['S1', 'SHA256SUMS', 'late']]);
    expect(said[0]!.detail.message).toContain(`${R2} does not match it`);
    expect(said[0]!.detail.message).toContain(`expected ${wrong} (SHA256SUMS line 2), found ${sha256(r2)}`);
    expect(fastqPassCount() - passesBefore).toBe(0);
    expect((await harness.services.catalog.samples.get({ team: TEAM, runId, sampleId: 'S1' }))?.checkedDocuments).toBeDefined();
  });

  it('checks a version against a manifest that landed while the sample was being concluded, once it is cataloged', async () => {
    // Prepare: S1's files and verdicts; SHA256SUMS (made for other R2 bytes) lands after the conclusion read the
    // run's documents and before it claims v1 — the evaluation its landing starts finds S1 VALIDATING
    const runId = '261123_LH00417_0808_B22PERFIL';
    const [r1, r2] = await landS1WithVerdicts(runId);
    const wrong = sha256(Buffer.from('the bytes the lab hashed'));
    const samples = harness.services.catalog.samples;
    const statusWhenLanded: (string | undefined)[] = [];
    const claimVersion = samples.claimVersion.bind(samples);
    const claim = vi.spyOn(samples, 'claimVersion').mockImplementationOnce(async (...args) => {
      await land(runId, 'SHA256SUMS', Buffer.from(`${sha256(r1)}  ${R1}\n${wrong}  ${R2}\n`));
      statusWhenLanded.push((await samples.get({ team: TEAM, runId, sampleId: 'S1' }))?.status);
      return claimVersion(...args);
    });
    const before = harness.published.length;
    const passesBefore = fastqPassCount();
    // Act: the conclusion, and nothing else landing in the run after it
    const concluded = await conclude(runId);
    const said = lateSince(runId, before);
    // Assess: v1 cataloged without the document, then checked against it, from the kept hashes
    expect(statusWhenLanded).toEqual(['VALIDATING']);
    expect(concluded).toEqual({ outcome: 'cataloged', version: 1 });
    expect(said.map((event) => [event.detail.sampleId, event.detail.file])).toEqual([['S1', 'SHA256SUMS']]);
    expect(said[0]!.detail.message).toContain(`expected ${wrong} (SHA256SUMS line 2), found ${sha256(r2)}`);
    expect(fastqPassCount() - passesBefore).toBe(0);
    // …and once: a later evaluation of the run says nothing more
    await land(runId, 'notes.txt', Buffer.from('flow cell washed\n'));
    expect(lateSince(runId, before)).toHaveLength(1);
    claim.mockRestore();
  });

  it('re-validates a file re-landed with different bytes, and its sample gets a new version', async () => {
    // Prepare: v1 from verdicts made as the files landed
    const runId = '261123_LH00417_0801_B22PERFIL';
    await land(runId, R1, gz(reads(20, { mate: 1 })));
    await land(runId, R2, gz(reads(20, { mate: 2 })));
    await deliverFileLanded(runId);
    const first = await conclude(runId);
    // Act: both mates replaced by longer files
    await land(runId, R1, gz(reads(25, { mate: 1 })));
    await land(runId, R2, gz(reads(25, { mate: 2 })));
    const passesBefore = fastqPassCount();
    const outcomes = await deliverFileLanded(runId);
    const second = await conclude(runId);
    // Assess
    expect(first).toEqual({ outcome: 'cataloged', version: 1 });
    expect(outcomes).toEqual(['validated', 'validated']);
    expect(fastqPassCount() - passesBefore).toBe(2);
    expect(second).toEqual({ outcome: 'cataloged', version: 2 });
    const versions = await harness.services.catalog.samples.listVersions({ team: TEAM, runId, sampleId: 'S1' });
    expect(versions.map((version) => [version.version, version.status, version.files.map((file) => file.reads)])).toEqual([
      [1, 'SUPERSEDED', [20, 20]],
      [2, 'READY', [25, 25]],
    ]);
  });

  it('reuses the verdict of the same stored object announced again, and of identical bytes stored again: neither is read', async () => {
    // Prepare
    const runId = '261123_LH00417_0802_B22PERFIL';
    const r1 = gz(reads(30, { mate: 1 }));
    await land(runId, R1, r1);
    await land(runId, R2, gz(reads(30, { mate: 2 })));
    await deliverFileLanded(runId);
    await conclude(runId);
    // Its execution started (startWorkflow is not part of this test): v1 is concluded
    await harness.services.catalog.samples.updateVersion(
      { team: TEAM, runId, sampleId: 'S1', version: 1 },
      { workflowStartedAt: new Date().toISOString() },
    );
    const passesBefore = fastqPassCount();
    // Act: the same objects announced again (a duplicate S3 event, a replay), then R1's same bytes stored anew
    const duplicate = await landObject(harness.services, { bucket: harness.names.landing, key: keyOf(runId, R1) });
    const redelivered = await Promise.all(
      announced(runId).map((event) => validateLandedFile(harness.services, event.detail as unknown as LandedFastq)),
    );
    const passesAfterRepeats = fastqPassCount() - passesBefore;
    await land(runId, R1, r1);
    const relanded = await deliverFileLanded(runId);
    const concluded = await conclude(runId);
    // Assess: a new PUT is a new identity (versionId) with the same ETag and size: its verdict is the earlier one's
    expect(duplicate.outcome).toBe('duplicate');
    expect(redelivered.map((result) => result.outcome)).toEqual(['already-validated', 'already-validated']);
    expect(passesAfterRepeats).toBe(0);
    expect(relanded).toEqual(['reused']);
    expect(fastqPassCount() - passesBefore).toBe(0);
    expect(concluded).toEqual({ outcome: 'same-version', version: 1 });
  });

  it('rejects a sample whose corrupt mate was validated early with the reasons and the quarantine of reading the sample whole', async () => {
    // Prepare: R2's record 3 loses its '+' line; R2 validated as it landed, R1's event lost
    const runId = '261123_LH00417_0803_B22PERFIL';
    const bad = reads(10, { mate: 2 }).split('\n');
    bad[10] = 'X';
    await land(runId, R1, gz(reads(10, { mate: 1 })));
    await land(runId, R2, gz(bad.join('\n')));
    const r2Event = announced(runId).find((event) => event.detail.name === R2)!;
    delivered.add(announced(runId).find((event) => event.detail.name === R1));
    const early = await validateLandedFile(harness.services, r2Event.detail as unknown as LandedFastq);
    const landed = await harness.services.catalog.runs.getFiles(TEAM, runId, [R1, R2]);
    const whole = await validateSample(harness.services, landed);
    // Act
    const concluded = await conclude(runId);
    // Assess
    expect(early).toMatchObject({ outcome: 'validated', reasons: 1 });
    expect(whole.reasons.length).toBeGreaterThan(0);
    expect(concluded).toEqual({ outcome: 'rejected', version: 1 });
    const [version] = await harness.services.catalog.samples.listVersions({ team: TEAM, runId, sampleId: 'S1' });
    expect(version!.reasons).toEqual(whole.reasons);
    expect(version!.files.map((file) => [file.bucket, file.key])).toEqual([
      [harness.names.quarantine, `${TEAM}/${runId}/S1/v1/${R1}`],
      [harness.names.quarantine, `${TEAM}/${runId}/S1/v1/${R2}`],
    ]);
    const quarantined = await harness.folders.list(harness.names.quarantine, `${TEAM}/${runId}/S1/v1/`);
    expect(quarantined.map((object) => object.key.split('/').at(-1)).sort()).toEqual([R1, R2, 'reasons.json'].sort());
  });

  it('keeps no verdict made at conclusion for a file replaced since it landed by other bytes of the same size', async () => {
    // Prepare: both files landed, no "File Landed" delivered; then R1 is replaced in storage, its event not handled
    const runId = '261123_LH00417_0804_B22PERFIL';
    const r1 = gz(reads(20, { mate: 1 }));
    await land(runId, R1, r1);
    await land(runId, R2, gz(reads(20, { mate: 2 })));
    const landedR1 = announced(runId).find((event) => event.detail.name === R1)!.detail as unknown as LandedFastq;
    // Other bytes of the same size (the gzip header's MTIME changed): a size check alone cannot tell them apart
    const replaced = Buffer.from(r1);
    replaced[4]! ^= 0xff;
    await harness.folders.put(harness.names.landing, keyOf(runId, R1), replaced);
    // Act
    await conclude(runId);
    // Assess: the unchanged mate's verdict is kept; none for R1's landed identity (its bytes were not those read)
    const landedR2 = announced(runId).find((event) => event.detail.name === R2)!.detail as unknown as LandedFastq;
    expect(await harness.services.catalog.fileVerdicts.get(landedR2)).toBeDefined();
    expect(await harness.services.catalog.fileVerdicts.get(landedR1)).toBeUndefined();
  });
});
