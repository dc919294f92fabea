/**
 * The activity feed read from a real bus log file: lines in words, scoped by identity, and a burst of the
 * same line shown once with its count (issue 19 defect 9).
 */
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BusLogTail } from '../../../runtime/dashboard/activity.ts';

const line = (id: string, type: string, detail: Record<string, unknown>) =>
  `${JSON.stringify({ id, time: `2026-12-03T10:00:0${id.length % 10}.000Z`, source: 'landfall', 'detail-type': type, detail })}\n`;

describe('activity from the bus log', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-activity-'));
    file = path.join(dir, 'events.jsonl');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('shows identical lines in a row once, with how many, and keeps different lines apart', async () => {
    // Prepare: the same region event four times, a sample event, then the region event again
    const wake = { region: 'eu-central-1' };
    await appendFile(
      file,
      [
        line('a', 'Region Woke Up', wake),
        line('b', 'Region Woke Up', wake),
        line('c', 'Region Woke Up', wake),
        line('d', 'Region Woke Up', wake),
        line('e', 'Sample Cataloged', { team: 'genomics', runId: 'R1', sampleId: 'S1', version: 1 }),
        line('f', 'Region Woke Up', wake),
        line('g', 'Sample Cataloged', { team: 'microbio', runId: 'R2', sampleId: 'S1', version: 1 }),
        line('h', 'Step Output Published', { team: 'microbio', runId: 'R2', sampleId: 'S1', version: 1, step: 'qc', keys: ['qc.json'] }),
      ].join(''),
    );
    const tail = new BusLogTail(file);
    // Act
    expect(await tail.poll()).toBe(true);
    const operator = tail.visible({ kind: 'operator' }, ['genomics', 'microbio']);
    const genomics = tail.visible({ kind: 'team', team: 'genomics' }, ['genomics']);
    // Assess: newest first; the burst is one line of 4
    expect(operator.map((item) => [item.text, item.repeats])).toEqual([
      ['R2/S1 v1: qc published 1 file', undefined],
      ['R2/S1 v1: sample cataloged', undefined],
      ['eu-central-1: woke up', undefined],
      ['R1/S1 v1: sample cataloged', undefined],
      ['eu-central-1: woke up', 4],
    ]);
    expect(operator[4]!.id, 'the newest of the burst stands for it').toBe('d');
    // another team's line between two identical ones does not split them for a team that cannot see it
    expect(genomics.map((item) => [item.text, item.repeats])).toEqual([
      ['eu-central-1: woke up', undefined],
      ['R1/S1 v1: sample cataloged', undefined],
      ['eu-central-1: woke up', 4],
    ]);
  });
});
