/**
 * The BGZF end-of-file marker filter stage-in writes reads through, on bgzip's own output (htslib, Debian `tabix`)
 * cut into chunks of every size, and on plain gzip, which passes through untouched.
 */
import { execFileSync } from 'node:child_process';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BGZF_EOF, withoutBgzfEofMarkers } from '../../../workflows/job/bgzfMarkers.ts';

async function filtered(bytes: Buffer, chunkBytes: number): Promise<{ out: Buffer; endedWithMarker: boolean }> {
  async function* chunks() {
    for (let at = 0; at < bytes.length; at += chunkBytes) yield bytes.subarray(at, at + chunkBytes);
  }
  const seen = { endedWithMarker: false };
  const pieces: Buffer[] = [];
  for await (const piece of withoutBgzfEofMarkers(chunks(), seen)) pieces.push(piece);
  return { out: Buffer.concat(pieces), endedWithMarker: seen.endedWithMarker };
}

const text = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `@r${from + i}\n${'ACGT'.repeat(40)}\n+\n${'I'.repeat(160)}\n`).join('');

describe('withoutBgzfEofMarkers', () => {
  // Two bgzip streams back to back, each of several 64 KiB blocks and its end-of-file marker.
  const first = text(0, 2_000);
  const second = text(2_000, 2_000);
  const twoStreams = Buffer.concat([first, second].map((part) => execFileSync('bgzip', ['-c'], { input: part })));

  it.each([7, 18, 28, 4096, 1 << 20])('leaves out every marker and keeps every block, in chunks of %i bytes', async (chunkBytes) => {
    // Act
    const { out, endedWithMarker } = await filtered(twoStreams, chunkBytes);
    // Assess
    expect(out.indexOf(BGZF_EOF)).toBe(-1);
    expect(out.length).toBe(twoStreams.length - 2 * BGZF_EOF.length);
    expect(endedWithMarker).toBe(true);
    expect(gunzipSync(out).toString('utf8')).toBe(first + second);
  });

  it('passes plain gzip through as it is, and says it did not end with a marker', async () => {
    const plain = Buffer.concat([gzipSync(first), gzipSync(second)]);
    expect(await filtered(plain, 1000)).toEqual({ out: plain, endedWithMarker: false });
  });

  it('passes a stream cut inside a block on, for the reader to report', async () => {
    const cut = twoStreams.subarray(0, twoStreams.length - 100);
    const { out, endedWithMarker } = await filtered(cut, 4096);
    expect(endedWithMarker).toBe(false);
    expect(out.length).toBe(cut.length - BGZF_EOF.length);
  });
});
