import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, readlink, realpath, stat } from 'node:fs/promises';
import type { SkipKind } from '../../functions/catalog/ShareSkips.ts';
import { nameSkipReason } from '../../functions/landing/landingNames.ts';

export type { SkipKind, SkippedShareEntry } from '../../functions/catalog/ShareSkips.ts';
export { nameSkipKind } from '../../functions/landing/landingNames.ts';

/**
 * What kind of non-regular entry `stats` (from `lstat`, which never follows a link) describes, or
 * undefined for a regular file. Only regular files land: a link could point anywhere (another team's
 * data, the state dir's secrets, `/dev/zero`), and opening a FIFO blocks until a writer appears.
 */
export function nonRegularKind(stats: Stats): SkipKind | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isBlockDevice() || stats.isCharacterDevice()) return 'device';
  return 'not-a-file';
}

const FIX_LINK = 'the share never follows links (an S3 File Gateway share does not either): copy the data itself into the share';

/** The sentence reported for each kind of skipped entry. */
export function skipReason(
  kind: SkipKind,
  detail: { team?: string; linkTarget?: string; realPath?: string; message?: string } = {},
): string {
  switch (kind) {
    case 'symlink':
      return `a symbolic link${detail.linkTarget ? ` to ${detail.linkTarget}` : ''}, not landed: ${FIX_LINK}`;
    case 'through-link':
      return `reached through a symbolic link in its folder path${detail.realPath ? ` (its real path is ${detail.realPath})` : ''}, not landed: ${FIX_LINK}`;
    case 'fifo':
      return 'a named pipe (FIFO), not a file: never opened and not landed; only regular files land';
    case 'socket':
      return 'a socket, not a file: never opened and not landed; only regular files land';
    case 'device':
      return 'a device node, not a file: never opened and not landed; only regular files land';
    case 'not-a-file':
      return 'not a regular file: never opened and not landed; only regular files land';
    case 'hidden':
    case 'temporary':
      return nameSkipReason(kind);
    case 'outside-run-folder':
      return 'outside a run folder: files land only from share/<team>/<run>/ (one folder per run); move it into its run folder there, or delete it if it is not data; left on the share, not landed';
    case 'unknown-team':
      return `"${detail.team}" is not a team in the config: its folder is left on the share, not landed; add the team to landfall.config.ts or move the run into a team's folder`;
    case 'unsafe-name':
      return `${detail.message ?? 'the name cannot be a storage key'}; left on the share, not landed`;
  }
}

/** The target a link names (read from the link itself, never followed), for the report. */
export async function linkTarget(file: string): Promise<string | undefined> {
  return readlink(file).catch(() => undefined);
}

// O_NOFOLLOW: a link swapped in after lstat fails the open (ELOOP) instead of being followed.
// O_NONBLOCK: a FIFO swapped in opens at once instead of holding a libuv pool thread until a writer appears;
// it changes nothing for the regular files we read.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** A share file opened for landing: the handle and what it was when opened. */
export interface OpenedShareFile {
  handle: FileHandle;
  stats: Stats;
}

/**
 * Opens `file` for landing only if, at the moment it is open, it is a regular file whose real path is
 * `expectedRealPath` (no link anywhere on its path). lstat before and fstat after the open close the race
 * of an entry swapped between the check and the read. Returns the reason instead when it is not.
 * Throws only for errors of the file system (ENOENT: it was removed meanwhile).
 */
export async function openShareFile(
  file: string,
  expectedRealPath: string,
): Promise<OpenedShareFile | { kind: SkipKind; realPath?: string }> {
  let handle: FileHandle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') return { kind: 'symlink' }; // O_NOFOLLOW met a link (EMLINK on BSDs)
    if (code === 'ENXIO' || code === 'EOPNOTSUPP') return { kind: 'socket' };
    throw error;
  }
  try {
    const stats = await handle.stat();
    const kind = nonRegularKind(stats);
    if (kind) {
      await handle.close();
      return { kind };
    }
    const realPath = await realPathOf(handle, file, stats);
    if (realPath !== expectedRealPath) {
      await handle.close();
      return { kind: 'through-link', ...(realPath && { realPath }) };
    }
    return { handle, stats };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** The real path of an open file: what the kernel says it opened (/proc), else realpath checked against the handle. */
async function realPathOf(handle: FileHandle, file: string, opened: Stats): Promise<string | undefined> {
  const viaProc = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
  if (viaProc !== undefined) return viaProc;
  const resolved = await realpath(file).catch(() => undefined);
  if (resolved === undefined) return undefined;
  const current = await stat(resolved).catch(() => undefined);
  // Another file now sits at that path: the one we hold was not reached through it.
  return current && current.dev === opened.dev && current.ino === opened.ino ? resolved : undefined;
}
