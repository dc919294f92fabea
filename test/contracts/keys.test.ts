import { describe, expect, it } from 'vitest';
import {
  landingKey,
  landingTeamPrefix,
  manifestKey,
  normalizeKey,
  parseLandingKey,
  publishingKey,
  quarantinePrefix,
  quarantineReasonsKey,
  runIndexKey,
  sampleVersionPrefix,
  stepOutputPrefix,
  teamPrefix,
} from '../../contracts/keys.ts';
import { attemptFailureKey, attemptPrefix, jobManifestKey, placementWorkPrefix, stepWorkPrefix } from '../../contracts/workArea.ts';
import { validationJobDocumentKeys } from '../../contracts/validationJob.ts';

const version = { team: 'genomics', runId: '241120_A01234_0042_BHXYZ', sampleId: 'S1', version: 2 };

describe('contracts/keys', () => {
  describe('landing keys', () => {
    it.each([
      { case: 'a file of a run folder', team: 'genomics', run: 'RUN1', name: 'S1_S1_L001_R1_001.fastq.gz' },
      { case: 'a file in a project subfolder', team: 'genomics', run: 'RUN1', name: 'ProjA/S1/S1_S1_L001_R1_001.fastq.gz' },
      { case: 'a name with spaces, plus and percent', team: 'lab-b', run: 'run 7', name: 'S1+a b%20_R1.fq.gz' },
    ])('$case: the key parses back to its team, run and name', ({ team, run, name }) => {
      // Act
      const key = landingKey(team, run, name);
      // Assess
      expect(key.startsWith(landingTeamPrefix(team))).toBe(true);
      expect(key).toBe(`incoming/${team}/${run}/${name}`);
      expect(parseLandingKey(key)).toEqual({ team, runId: run, name });
    });

    it.each([
      { case: 'outside incoming/', key: 'other/genomics/RUN1/a.txt' },
      { case: 'at the share top level', key: 'incoming/genomics/a.txt' },
      { case: 'an empty segment', key: 'incoming/genomics//a.txt' },
      { case: 'a folder key', key: 'incoming/genomics/RUN1/' },
    ])('$case: not a file of a run folder', ({ key }) => {
      expect(parseLandingKey(key)).toBeUndefined();
    });

    it('matches a name written in NFD (macOS SMB clients) to its NFC form', () => {
      // Prepare: "ü" as u + combining diaeresis, as macOS writes it
      const nfd = 'incoming/genomics/RUN1/Mu\u0308ller_R1.fastq.gz';
      // Act
      const parsed = parseLandingKey(nfd);
      // Assess
      expect(parsed?.name).toBe('M\u00fcller_R1.fastq.gz');
      expect(normalizeKey('Mu\u0308ller')).toBe(normalizeKey('M\u00fcller'));
    });
  });

  it('lays out results as DESIGN.md "Keys" says', () => {
    expect(teamPrefix('genomics')).toBe('teams/genomics/');
    expect(sampleVersionPrefix(version)).toBe('teams/genomics/runs/241120_A01234_0042_BHXYZ/samples/S1/v2/');
    expect(stepOutputPrefix(version, 'qc')).toBe('teams/genomics/runs/241120_A01234_0042_BHXYZ/samples/S1/v2/qc/');
    expect(manifestKey(version)).toBe('teams/genomics/runs/241120_A01234_0042_BHXYZ/samples/S1/v2/manifest.json');
    expect(runIndexKey('genomics', '241120_A01234_0042_BHXYZ')).toBe('teams/genomics/runs/241120_A01234_0042_BHXYZ/index.json');
    // Staged copies stay outside every team's prefix until verified.
    expect(publishingKey('exec-1', 'qc', 'report.json').startsWith(teamPrefix('genomics'))).toBe(false);
    expect(publishingKey('exec-1', 'qc', 'sub/report.json')).toBe('publishing/exec-1/qc/sub/report.json');
  });

  it('keeps each rejected sample version under its own quarantine folder', () => {
    expect(quarantinePrefix(version)).toBe('genomics/241120_A01234_0042_BHXYZ/S1/v2/');
    expect(quarantineReasonsKey(version)).toBe('genomics/241120_A01234_0042_BHXYZ/S1/v2/reasons.json');
  });

  describe('work areas', () => {
    it('gives each attempt of a step its own area under the job work area', () => {
      const work = stepWorkPrefix('genomics-RUN1-S1-v1-g0', 'qc');
      expect(work).toBe('work/genomics-RUN1-S1-v1-g0/qc/');
      expect(attemptPrefix(work, 1)).toBe('work/genomics-RUN1-S1-v1-g0/qc/attempt-1/');
      expect(attemptPrefix(work, 2)).not.toBe(attemptPrefix(work, 1));
    });

    it.each([
      { case: 'the first move', from: 'work/e/qc/', placement: 2, expected: 'work/e/qc/placement-2/' },
      {
        case: 'a second move replaces the placement folder',
        from: 'work/e/qc/placement-2/',
        placement: 3,
        expected: 'work/e/qc/placement-3/',
      },
    ])('$case', ({ from, placement, expected }) => {
      expect(placementWorkPrefix(from, placement)).toBe(expected);
    });

    it("keeps a job's manifest and an attempt's failure record beside the attempts, and names the validation job documents per job", () => {
      expect(jobManifestKey('work/e/qc/', 'e-qc')).toBe('work/e/qc/e-qc.manifest.json');
      expect(attemptFailureKey('work/e/qc/', 2)).toBe('work/e/qc/attempt-2.failure.json');
      expect(attemptFailureKey('work/e/qc/', 2).startsWith(attemptPrefix('work/e/qc/', 2))).toBe(false);
      expect(validationJobDocumentKeys('validate-x-1')).toEqual({
        input: 'work/validation/validate-x-1/input.json',
        result: 'work/validation/validate-x-1/result.json',
      });
    });
  });

  describe('Function: normalizeKey', () => {
    it.each([
      { case: 'NFD from a macOS SMB client', key: 'Pro\u0308be_S1.fastq.gz', expected: 'Pr\u00f6be_S1.fastq.gz' },
      { case: 'already NFC', key: 'Pr\u00f6be_S1.fastq.gz', expected: 'Pr\u00f6be_S1.fastq.gz' },
      { case: 'ASCII', key: 'incoming/lab-a/run1/S1.fq', expected: 'incoming/lab-a/run1/S1.fq' },
    ])('returns the NFC form of $case', ({ key, expected }) => {
      // Act
      const normalized = normalizeKey(key);

      // Assess
      expect(normalized).toBe(expected);
      expect(normalizeKey(normalized)).toBe(normalized);
    });
  });
});
