import { createHash } from 'node:crypto';
import type { ReadStream, Stats } from 'node:fs';
import { type FileHandle, lstat, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { assertSafeKey } from '../../seams/storage/keys.ts';
import type { ObjectInfo, ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import type { BusEvent, EventPublisher } from '../../seams/events/EventPublisher.ts';
import { LANDING_PREFIX, normalizeKey } from '../../contracts/keys.ts';
import { COMPLETION_MARKERS } from '../../layouts/runFiles.ts';
import { LOCAL_ACCOUNT } from '../../contracts/events/envelope.ts';
import { objectCreatedEvent } from '../../contracts/events/s3.ts';
import { objectUploadEvent } from '../../contracts/events/storage-gateway.ts';
import {
  linkTarget,
  nameSkipKind,
  nonRegularKind,
  openShareFile,
  type OpenedShareFile,
  type SkipKind,
  type SkippedShareEntry,
  skipReason,
} from './shareEntry.ts';
import { type FolderWatch, watchFolders } from './watchFolders.ts';

export type { SkippedShareEntry, SkipKind } from './shareEntry.ts';

export interface ShareWatcherOptions {
  shareDir: string;
  storage: ObjectStorage;
  landingBucket: string;
  events: EventPublisher;
  region: string;
  /** A file is complete when size and mtime have not changed for this long (the gateway's settling time). */
  settleMs: number;
  pollMs: number;
  /** Full rescan period: notifications can be missed (a folder created and filled at once), files cannot. */
  rescanMs: number;
  /**
   * The configured team ids: each team's share is its own top folder, as each team's File Gateway share maps
   * to `incoming/<team>/`. A folder of any other name is reported, not landed. @default every folder lands
   */
  teams?: readonly string[];
  /** How long `stop()` waits for landings in flight after cancelling them. @default 5000 */
  stopTimeoutMs?: number;
  /** Files landing at once; settled files wait their turn. @default 8 */
  maxConcurrentLandings?: number;
  /**
   * Back-pressure: while this says no (the bus has a long backlog), settled files wait on the share instead of
   * adding events nobody can handle yet. @default always yes
   */
  canLand?: () => boolean;
  onLanded?: (key: string, info: ObjectInfo) => void;
  /**
   * How long a run folder's completion marker waits at most for files written before it that fail to land (an
   * unreadable file, a storage error; see {@link ShareWatcher}); then it lands anyway and the file it waited for
   * is reported. Files that are only settling or waiting for room to land are waited for however long that
   * takes. @default 60000
   */
  markerHoldMs?: number;
  /** A failure to land (storage, bus): the file is retried at the next rescan. `error` is the cause, when one was thrown. */
  onProblem?: (file: string, message: string, error?: unknown) => void;
  /** An entry that will not land as it is (reported once per state of the entry). */
  onSkipped?: (entry: SkippedShareEntry) => void;
  /** A skipped entry was removed, or now landed: its report no longer applies. */
  onSkipCleared?: (entry: SkippedShareEntry) => void;
}

const SHARE_MTIME = 'share-mtime';
/** When the share received the landed bytes (the file's change time): no copy keeps it, unlike the modification time. */
const SHARE_CTIME = 'share-ctime';

/** The share is rescanned no more often than this many times the last rescan's duration (see `#rescanAndSchedule`). */
const RESCAN_DUTY_FACTOR = 10;

/**
 * What an entry looked like when it was last handled: a change makes it land (or be reported) again. The change time
 * is in it: a file copied again with the same size and its old modification time (cp -p over it) changes nothing else.
 */
const fingerprint = (stats: Stats) => `${stats.mode}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;

/** A completion marker by name (layouts/runFiles.ts, any profile): CopyComplete.txt, RTAComplete.txt, final_summary_*.txt, … */
const isCompletionMarker = (file: string) => {
  const base = path.basename(file);
  return COMPLETION_MARKERS.some(({ pattern }) => pattern.test(base));
};

class StoppedError extends Error {
  override name = 'StoppedError';
}

/**
 * Plays S3 File Gateway on one machine: a regular file written under `share/<team>/<run>/...` is stored in
 * the landing bucket as `incoming/<team>/<run>/...` once it has settled, then BOTH events AWS would send are
 * emitted — S3 "Object Created" and "Storage Gateway Object Upload Event" — so de-duplication is exercised
 * on every file. A later change to the file lands it again (a re-upload).
 *
 * Only regular files whose real path is inside the share land. Links (to files or folders), FIFOs, sockets
 * and devices are never opened or followed: they are reported through `onSkipped` with the reason, as are
 * hidden and temporary names, files outside a run folder and folders of unconfigured teams. Every check uses
 * `lstat`; the read opens with O_NOFOLLOW|O_NONBLOCK and re-checks the open file, so nothing swapped in
 * between can be followed or block the process.
 *
 * A run folder's completion marker (CopyComplete.txt, RTAComplete.txt, final_summary_*.txt, `<sample>.complete`,
 * …) lands only after every other file of the folder written before it has landed or been reported: files land a
 * few at a time (`maxConcurrentLandings`) and a new sub-folder is seen late, so the small marker, written last,
 * would otherwise overtake the FASTQs written before it, and a layout that learns a run's lanes or index reads
 * from the files present would judge a sample complete on part of its files.
 */
export class ShareWatcher {
  readonly #options: ShareWatcherOptions;
  #watcher: FolderWatch | undefined;
  /** The share's own real path: every landed file's real path is this plus its relative path. */
  #shareRealPath = '';
  /** Files seen and not yet landed, with what the last poll saw of each: each is settling or settled. */
  readonly #pending = new Map<string, { fingerprint: string; stableSince: number }>();
  /**
   * Pending files not yet unchanged for the settle window, in the order their settle clocks started (a file whose
   * clock restarts moves to the end): every poll looks at these, and an ended landing at those due by the clock.
   */
  readonly #settling = new Set<string>();
  /**
   * Pending files unchanged for the settle window, in the order they settled, waiting for room to land. Polls and
   * ended landings take them from the front while there is room, and stop at the first that has none: walking
   * every pending file at each ended landing made a burst of ten thousand files, waiting on the bus, quadratic.
   */
  readonly #settled = new Set<string>();
  readonly #landing = new Set<Promise<void>>();
  readonly #landingFiles = new Set<string>();
  /** What each handled entry (landed or skipped) looked like then, so a rescan only revisits changes. */
  readonly #handled = new Map<string, string>();
  /** Entries reported as skipped and not cleared since, by absolute path. */
  readonly #skipped = new Map<string, SkippedShareEntry>();
  /** Reads in flight: `stop()` cancels them. */
  readonly #reads = new Set<ReadStream>();
  #timer: NodeJS.Timeout | undefined;
  #rescanTimer: NodeJS.Timeout | undefined;
  #polling = false;
  /** A landing ended during a poll: poll once more when it is done. */
  #pollAgain = false;
  #stopped = false;
  #sequencer = 0;
  /** Completion markers held back for the files written before them, with since when each has waited for failing files alone. */
  readonly #heldMarkers = new Map<string, number>();
  /** Files whose landing failed and has not succeeded since (retried at each rescan): a marker's hold on them is bounded. */
  readonly #failedLandings = new Set<string>();

  constructor(options: ShareWatcherOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#shareRealPath = await realpath(this.#options.shareDir);
    // Every entry there now and each one that appears or changes; links, FIFOs and sockets too (#handle reports them).
    this.#watcher = await watchFolders(this.#options.shareDir, {
      onEntry: (file) => this.#touch(file),
      onProblem: (folder, message) => this.#options.onProblem?.(folder, message),
    });
    this.#timer = setInterval(() => void this.#poll(), this.#options.pollMs);
    void this.#rescanAndSchedule();
  }

  /** Files seen but not yet landed (still being written or settling). */
  get pendingCount(): number {
    return this.#pending.size + this.#landing.size;
  }

  /** Entries currently reported as skipped. */
  get skipped(): SkippedShareEntry[] {
    return [...this.#skipped.values()];
  }

  /**
   * Stops watching and cancels the landings in flight (a cancelled file lands again at the next start),
   * waiting for them at most `stopTimeoutMs`.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#rescanTimer) clearTimeout(this.#rescanTimer);
    this.#watcher?.close();
    for (const read of this.#reads) read.destroy(new StoppedError('the share watcher stopped'));
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#landing]),
      new Promise((resolve) => (bound = setTimeout(resolve, this.#options.stopTimeoutMs ?? 5000))),
    ]);
    clearTimeout(bound);
  }

  /**
   * Rescans, then schedules the next rescan `rescanMs` later, or later still on a share so large that a rescan
   * takes long: a walk stats every file there, and with ten thousand landed files in the share, rescans every 2 s
   * took ~5 % of the runtime's thread (and more of libuv's pool) while a burst landed. At most 1/{@link RESCAN_DUTY_FACTOR} of the time.
   */
  async #rescanAndSchedule(): Promise<void> {
    const started = Date.now();
    await this.#rescan().catch((error: unknown) =>
      this.#options.onProblem?.(this.#options.shareDir, `rescan failed: ${(error as Error).message}`, error),
    );
    if (this.#stopped) return;
    const next = Math.max(this.#options.rescanMs, (Date.now() - started) * RESCAN_DUTY_FACTOR);
    this.#rescanTimer = setTimeout(() => void this.#rescanAndSchedule(), next);
  }

  /** Walks the share (never through a link) and touches every entry not settling or handled as it is now. */
  async #rescan(): Promise<void> {
    // One at a time by construction: each rescan schedules the next only when it is done (#rescanAndSchedule).
    if (this.#stopped) return;
    const entries = await readdir(this.#options.shareDir, { recursive: true, withFileTypes: true }).catch(() => []);
    const present = new Set<string>();
    for (const entry of entries) {
      if (entry.isDirectory()) continue; // a link to a folder is not a directory entry: it is checked below
      const file = path.join(entry.parentPath, entry.name);
      present.add(file);
      if (this.#pending.has(file) || this.#landingFiles.has(file)) continue;
      const current = await lstat(file).catch(() => undefined);
      if (current && this.#handled.get(file) !== fingerprint(current)) this.#touch(file);
    }
    for (const [file, entry] of this.#skipped) {
      if (present.has(file)) continue;
      this.#skipped.delete(file);
      this.#handled.delete(file);
      this.#options.onSkipCleared?.(entry);
    }
  }

  #touch(file: string): void {
    // (Re)start the settle clock; #poll decides when the entry stopped changing.
    if (this.#stopped) return;
    this.#startSettling(file, '');
  }

  /** (Re)starts a pending file's settle clock: it goes to the end of the settling files, which stay in clock order. */
  #startSettling(file: string, seen: string): void {
    this.#pending.set(file, { fingerprint: seen, stableSince: Date.now() });
    this.#settled.delete(file);
    this.#settling.delete(file);
    this.#settling.add(file);
  }

  /**
   * Looks at every pending file (`all`, each poll period), or (a landing ended) at the settled ones waiting for room
   * and the settling ones whose settle window has passed by the clock.
   */
  async #poll(scope: 'all' | 'settled' = 'all'): Promise<void> {
    // One poll at a time: on a busy machine a poll over many files outlasts pollMs, and two overlapping
    // polls would both land the same settled file (and re-add it to #pending from a stale snapshot).
    if (this.#polling) return;
    this.#polling = true;
    try {
      let next = scope;
      do {
        this.#pollAgain = false;
        await this.#pollOnce(next);
        next = 'settled';
      } while (this.#pollAgain && !this.#stopped);
    } finally {
      this.#polling = false;
    }
  }

  /**
   * A landing ended, so a settled file held back for room can land now rather than at the next poll (a run's
   * files settle together and land a few at a time: waiting a poll period between batches added up), and so can a
   * file whose settle window has just passed: a per-sample marker waited up to a poll period more for each (its
   * FASTQs, then itself) when only polls looked at settling files.
   */
  #landingEnded(): void {
    if (this.#stopped || (this.#settled.size === 0 && this.#settling.size === 0)) return;
    if (this.#polling) this.#pollAgain = true;
    else void this.#poll('settled');
  }

  /** No longer pending: landing, removed, or a folder. */
  #forget(file: string): void {
    this.#pending.delete(file);
    this.#settling.delete(file);
    this.#settled.delete(file);
  }

  #roomToLand(): boolean {
    return this.#landing.size < (this.#options.maxConcurrentLandings ?? 8) && this.#options.canLand?.() !== false;
  }

  async #pollOnce(scope: 'all' | 'settled'): Promise<void> {
    // Settled files first, in order, while there is room (the line is walked as it is: files leave it as they
    // land). Each is looked at again before it lands: one changed meanwhile goes back to settling.
    for (const file of this.#settled) {
      if (this.#stopped) return;
      if (!this.#roomToLand()) break; // the settling files are still looked at: they settle while the runtime is busy
      await this.#look(file);
    }
    if (scope === 'settled') {
      // Only those due by the clock, from the front, stopping at the first not due: in clock order, none after it is.
      for (const file of this.#settling) {
        const seen = this.#pending.get(file);
        if (this.#stopped || (seen && Date.now() - seen.stableSince < this.#options.settleMs)) return;
        await this.#look(file);
      }
      return;
    }
    for (const file of [...this.#settling]) {
      if (this.#stopped) return;
      await this.#look(file);
    }
  }

  /** Looks at a pending file: still changing, settled (waiting for room, or for the files before a marker), or landing now. */
  async #look(file: string): Promise<void> {
    const seen = this.#pending.get(file);
    if (!seen) return this.#forget(file);
    let current: Stats;
    try {
      current = await lstat(file);
    } catch {
      this.#forget(file); // removed before it landed: nothing to land
      this.#heldMarkers.delete(file);
      this.#failedLandings.delete(file);
      return;
    }
    if (this.#pending.get(file) !== seen) return; // touched again meanwhile: the next poll looks at it
    if (current.isDirectory()) return this.#forget(file);
    if (fingerprint(current) !== seen.fingerprint) return this.#startSettling(file, fingerprint(current));
    if (Date.now() - seen.stableSince < this.#options.settleMs) return;
    this.#settling.delete(file);
    this.#settled.add(file);
    if (isCompletionMarker(file) && (await this.#markerWaits(file, current))) return;
    if (this.#pending.get(file) !== seen) return; // touched while the marker's folder was looked at
    // Settled, but the runtime is busy: it waits in line until there is room, and is looked at again then.
    if (!this.#roomToLand()) return;
    this.#forget(file);
    this.#landingFiles.add(file);
    const landing = this.#handle(file, current)
      .then(() => void this.#failedLandings.delete(file))
      .catch((error) => {
        if (!(error instanceof StoppedError) && (error as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.#failedLandings.add(file);
          this.#options.onProblem?.(file, `could not land: ${(error as Error).message}; will retry at the next rescan`, error);
        }
      })
      .finally(() => {
        this.#landing.delete(landing);
        this.#landingFiles.delete(file);
        this.#landingEnded();
      });
    this.#landing.add(landing);
  }

  /**
   * Whether a settled completion marker must wait: a file of its run folder (`<team>/<run>/`), last written no
   * later than the marker (by its modification time or by when it was written to the share), is still settling or
   * landing, or is there but not yet seen (it is then picked up).
   * The folder is walked only when nothing of it is pending in memory, and only names not seen yet are looked at. A
   * file that is only waiting its turn (a burst held back by the bus's backlog can take minutes) is waited for
   * without a bound: landing the marker before it would let a layout that learns a run's lanes from the files
   * present conclude a sample on part of them. Only when every file it waits for has failed to land does the hold
   * end, once it has waited `markerHoldMs` for failing files alone.
   */
  async #markerWaits(marker: string, settled: Stats): Promise<boolean> {
    const parts = path.relative(this.#options.shareDir, marker).split(path.sep);
    if (parts.length < 3) return false; // outside a run folder: reported as it is
    const folder = path.join(this.#options.shareDir, parts[0]!, parts[1]!) + path.sep;
    // Since when the marker has waited only for files that failed to land (reset while a healthy one is awaited).
    const heldSince = this.#heldMarkers.get(marker) ?? Date.now();
    const waitsForHealthyFile = () => {
      this.#heldMarkers.set(marker, Date.now());
      return true;
    };
    this.#heldMarkers.set(marker, heldSince);
    // Written before the marker by either clock. The modification time is the one a copy may keep: rsync -a, cp -p,
    // robocopy and Node's copyFile of an empty file give the share's copy of CopyComplete.txt the instrument's time,
    // before the FASTQs' (bcl2fastq writes them after the run), and the marker then waited for nothing and landed
    // first (a 10x sample was cataloged without its I1). The change time is the share's own: when the copy wrote it.
    const writtenBefore = async (file: string) => {
      if (file === marker || !file.startsWith(folder) || isCompletionMarker(file)) return undefined;
      const stats = await lstat(file).catch(() => undefined);
      return stats && (stats.ctimeMs <= settled.ctimeMs || stats.mtimeMs <= settled.mtimeMs) ? stats : undefined;
    };
    const waitingFor: string[] = [];
    for (const file of [...this.#landingFiles, ...this.#pending.keys()]) {
      if (await writtenBefore(file)) {
        waitingFor.push(file);
        if (!this.#failedLandings.has(file)) return waitsForHealthyFile();
      }
    }
    if (waitingFor.length === 0) {
      const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (entry.isDirectory()) continue;
        const file = path.join(entry.parentPath, entry.name);
        // Landed or reported already: a change since would have been seen (and be pending). Only the names
        // not seen yet are looked at: looking at every file made a run of per-sample markers quadratic.
        if (this.#handled.has(file)) continue;
        const stats = await writtenBefore(file);
        if (!stats) continue;
        if (!this.#pending.has(file) && !this.#landingFiles.has(file)) this.#touch(file);
        waitingFor.push(file);
      }
    }
    if (waitingFor.length === 0) {
      this.#heldMarkers.delete(marker);
      return false;
    }
    if (waitingFor.some((file) => !this.#failedLandings.has(file))) return waitsForHealthyFile();
    if (Date.now() - heldSince < (this.#options.markerHoldMs ?? 60_000)) return true;
    this.#heldMarkers.delete(marker);
    this.#options.onProblem?.(
      marker,
      `landed after waiting ${Math.round((Date.now() - heldSince) / 1000)} s for ${waitingFor
        .slice(0, 5)
        .map((file) => path.relative(this.#options.shareDir, file))
        .join(', ')}${waitingFor.length > 5 ? ` and ${waitingFor.length - 5} more` : ''}, written before it but failing to land; check ${
        waitingFor.length === 1 ? 'that file' : 'those files'
      }`,
    );
    return false;
  }

  /** Lands a settled entry, or reports why it does not land. */
  async #handle(file: string, settled: Stats): Promise<void> {
    const relative = normalizeKey(path.relative(this.#options.shareDir, file).split(path.sep).join('/'));
    const parts = relative.split('/');
    const where = { team: parts.length >= 2 ? parts[0] : undefined, runId: parts.length >= 3 ? parts[1] : undefined };
    const skip = (kind: SkipKind, detail: Parameters<typeof skipReason>[1] = {}) =>
      this.#skip(file, settled, { path: relative, ...this.#visibleTo(where), kind, reason: skipReason(kind, detail) });

    const notRegular = nonRegularKind(settled);
    if (notRegular) return skip(notRegular, notRegular === 'symlink' ? { linkTarget: await linkTarget(file) } : {});
    const byName = nameSkipKind(relative);
    if (byName) return skip(byName);
    if (!where.runId) return skip('outside-run-folder');
    if (this.#options.teams && !this.#options.teams.includes(where.team!)) return skip('unknown-team', { team: where.team });
    const key = `${LANDING_PREFIX}${relative}`;
    try {
      assertSafeKey(key);
    } catch (error) {
      return skip('unsafe-name', { message: (error as Error).message });
    }

    const opened = await openShareFile(file, path.join(this.#shareRealPath, path.relative(this.#options.shareDir, file)));
    if (!('handle' in opened)) return skip(opened.kind, { realPath: opened.realPath, linkTarget: await linkTarget(file) });
    await this.#land(file, key, opened);
    const cleared = this.#skipped.get(file);
    if (cleared) {
      this.#skipped.delete(file);
      this.#options.onSkipCleared?.(cleared);
    }
  }

  /** A team sees the skipped entries of its own folder; entries of other folders are the operator's. */
  #visibleTo(where: { team?: string; runId?: string }): { team?: string; runId?: string } {
    const teams = this.#options.teams;
    if (!where.team || (teams && !teams.includes(where.team))) return {};
    return where.runId ? { team: where.team, runId: where.runId } : { team: where.team };
  }

  #skip(file: string, settled: Stats, entry: SkippedShareEntry): void {
    this.#handled.set(file, fingerprint(settled)); // reported once, not at every rescan
    const previous = this.#skipped.get(file);
    this.#skipped.set(file, entry);
    if (previous?.kind === entry.kind && previous.reason === entry.reason) return;
    this.#options.onSkipped?.(entry);
  }

  async #land(file: string, key: string, { handle, stats }: OpenedShareFile): Promise<void> {
    const { storage, landingBucket } = this.#options;
    let read: ReadStream | undefined;
    try {
      const existing = await storage.head(landingBucket, key);
      if (existing && (await landedAlready(existing, handle, stats))) {
        this.#handled.set(file, fingerprint(stats)); // already landed (restart)
        return;
      }
      if (this.#stopped) throw new StoppedError('the share watcher stopped');
      // Exactly the bytes the open file had when checked: a file still growing lands again once it settles.
      read = stats.size === 0 ? undefined : handle.createReadStream({ start: 0, end: stats.size - 1, autoClose: false });
      if (read) this.#reads.add(read);
      const info = await storage.put(landingBucket, key, read ?? Buffer.alloc(0), {
        metadata: { [SHARE_MTIME]: String(stats.mtimeMs), [SHARE_CTIME]: String(stats.ctimeMs) },
      });
      this.#handled.set(file, fingerprint(stats));
      await this.#options.events.publish(this.#eventsFor(key, info));
      this.#options.onLanded?.(key, info);
    } finally {
      if (read) this.#reads.delete(read);
      await handle.close().catch(() => undefined);
    }
  }

  #eventsFor(key: string, info: ObjectInfo): BusEvent[] {
    const { landingBucket: bucket, region } = this.#options;
    const time = new Date().toISOString();
    const sequence = ++this.#sequencer;
    return [
      objectCreatedEvent({
        bucket,
        key,
        size: info.size,
        etag: info.etag,
        versionId: info.versionId,
        sequencer: sequence.toString(16).toUpperCase().padStart(18, '0'),
        requestId: `LOCAL${sequence}`,
        requester: LOCAL_ACCOUNT,
        time,
        region,
      }),
      objectUploadEvent({ bucket, key, size: info.size, modifiedAt: info.lastModified, region, time }),
    ];
  }
}

/**
 * Whether the landing bucket already holds these bytes of the share's file (a restart walks every file again). Same
 * size and modification time is not enough: a file copied again with a tool that keeps times (rsync -a after the
 * damaged copy was removed, cp -p over it) has both, and its corrected bytes were never landed. When the share
 * received the file at another time than the landed one's, its bytes are compared with the landed object's MD5.
 * Objects landed before the change time was recorded keep the old rule.
 */
async function landedAlready(existing: ObjectInfo, handle: FileHandle, stats: Stats): Promise<boolean> {
  if (existing.size !== stats.size || existing.metadata[SHARE_MTIME] !== String(stats.mtimeMs)) return false;
  const received = existing.metadata[SHARE_CTIME];
  if (received === undefined || received === String(stats.ctimeMs)) return true;
  const md5 = /^"?([0-9a-f]{32})"?$/.exec(existing.etag)?.[1];
  if (!md5) return false; // a multipart ETag is no MD5 of the bytes: land them again
  const hash = createHash('md5');
  if (stats.size > 0)
    for await (const chunk of handle.createReadStream({ start: 0, end: stats.size - 1, autoClose: false })) hash.update(chunk as Buffer);
  return hash.digest('hex') === md5;
}
