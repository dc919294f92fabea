import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { assertSafeKey, normalizeKey } from '../../seams/storage/keys.ts';
import type { ObjectInfo, ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import type { BusEvent, EventPublisher } from '../../seams/events/EventPublisher.ts';
import { LANDING_PREFIX } from '../../functions/landing/landingKey.ts';

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
  onLanded?: (key: string, info: ObjectInfo) => void;
  onProblem?: (file: string, message: string) => void;
}

/** Editors' and copy tools' temporary files never land. */
const TEMPORARY = /(^\.|~$|\.tmp$|\.part$|\.partial$|\.crdownload$)/i;
const SHARE_MTIME = 'share-mtime';

/**
 * Plays S3 File Gateway on one machine: a file written under `share/<team>/<run>/...` is stored in the
 * landing bucket as `incoming/<team>/<run>/...` once it has settled, then BOTH events AWS would send are
 * emitted — S3 "Object Created" and "Storage Gateway Object Upload Event" — so de-duplication is exercised
 * on every file. A later change to the file lands it again (a re-upload).
 */
export class ShareWatcher {
  readonly #options: ShareWatcherOptions;
  #watcher: FSWatcher | undefined;
  readonly #pending = new Map<string, { size: number; mtimeMs: number; stableSince: number }>();
  readonly #landing = new Set<Promise<void>>();
  readonly #landingFiles = new Set<string>();
  /** What each landed file looked like when it landed (size:mtime), so a rescan only re-lands changes. */
  readonly #landed = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #rescanTimer: NodeJS.Timeout | undefined;
  #rescanning = false;
  #polling = false;
  #sequencer = 0;

  constructor(options: ShareWatcherOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    const watcher = watch(this.#options.shareDir, {
      ignoreInitial: false,
      persistent: true,
      ignored: (file) => TEMPORARY.test(path.basename(file)),
    });
    watcher.on('add', (file) => this.#touch(file));
    watcher.on('change', (file) => this.#touch(file));
    watcher.on('error', (error) => this.#options.onProblem?.(this.#options.shareDir, `watcher error: ${(error as Error).message}`));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.#watcher = watcher;
    this.#timer = setInterval(() => void this.#poll(), this.#options.pollMs);
    this.#rescanTimer = setInterval(() => void this.#rescan(), this.#options.rescanMs);
  }

  /** Files seen but not yet landed (still being written or settling). */
  get pendingCount(): number {
    return this.#pending.size + this.#landing.size;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#rescanTimer) clearInterval(this.#rescanTimer);
    await this.#watcher?.close();
    await Promise.allSettled([...this.#landing]);
  }

  /** Walks the share and touches every file that is neither settling nor landed as it is now. */
  async #rescan(): Promise<void> {
    if (this.#rescanning) return;
    this.#rescanning = true;
    try {
      const entries = await readdir(this.#options.shareDir, { recursive: true, withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isFile() || TEMPORARY.test(entry.name)) continue;
        const file = path.join(entry.parentPath, entry.name);
        if (this.#pending.has(file) || this.#landingFiles.has(file)) continue;
        const current = await stat(file).catch(() => undefined);
        if (current && this.#landed.get(file) !== `${current.size}:${current.mtimeMs}`) this.#touch(file);
      }
    } finally {
      this.#rescanning = false;
    }
  }

  #touch(file: string): void {
    // (Re)start the settle clock; #poll decides when the file stopped changing.
    this.#pending.set(file, { size: -1, mtimeMs: -1, stableSince: Date.now() });
  }

  async #poll(): Promise<void> {
    // One poll at a time: on a busy machine a poll over many files outlasts pollMs, and two overlapping
    // polls would both land the same settled file (and re-add it to #pending from a stale snapshot).
    if (this.#polling) return;
    this.#polling = true;
    try {
      await this.#pollOnce();
    } finally {
      this.#polling = false;
    }
  }

  async #pollOnce(): Promise<void> {
    for (const [file, seen] of [...this.#pending]) {
      let current;
      try {
        current = await stat(file);
      } catch {
        this.#pending.delete(file); // removed before it settled: nothing to land
        continue;
      }
      if (this.#pending.get(file) !== seen) continue; // touched again meanwhile: the next poll looks at it
      if (current.size !== seen.size || current.mtimeMs !== seen.mtimeMs) {
        this.#pending.set(file, { size: current.size, mtimeMs: current.mtimeMs, stableSince: Date.now() });
        continue;
      }
      if (Date.now() - seen.stableSince < this.#options.settleMs) continue;
      this.#pending.delete(file);
      this.#landingFiles.add(file);
      const landing = this.#land(file, current.size, current.mtimeMs).finally(() => {
        this.#landing.delete(landing);
        this.#landingFiles.delete(file);
      });
      this.#landing.add(landing);
    }
  }

  async #land(file: string, size: number, mtimeMs: number): Promise<void> {
    const relative = normalizeKey(path.relative(this.#options.shareDir, file).split(path.sep).join('/'));
    const parts = relative.split('/');
    if (parts.length < 3) {
      this.#landed.set(file, `${size}:${mtimeMs}`); // reported once, not at every rescan
      this.#options.onProblem?.(file, 'files must be inside share/<team>/<run>/; left on the share, not landed');
      return;
    }
    const key = `${LANDING_PREFIX}${relative}`;
    try {
      assertSafeKey(key);
    } catch (error) {
      this.#landed.set(file, `${size}:${mtimeMs}`); // reported once, not at every rescan
      this.#options.onProblem?.(file, `${(error as Error).message}; left on the share, not landed`);
      return;
    }
    const { storage, landingBucket } = this.#options;
    const existing = await storage.head(landingBucket, key);
    if (existing && existing.size === size && existing.metadata[SHARE_MTIME] === String(mtimeMs)) {
      this.#landed.set(file, `${size}:${mtimeMs}`); // already landed (restart)
      return;
    }
    let info: ObjectInfo;
    try {
      info = await storage.put(landingBucket, key, createReadStream(file), { metadata: { [SHARE_MTIME]: String(mtimeMs) } });
    } catch (error) {
      this.#options.onProblem?.(file, `could not land: ${(error as Error).message}; will retry at the next rescan`);
      return;
    }
    this.#landed.set(file, `${size}:${mtimeMs}`);
    await this.#options.events.publish(this.#eventsFor(key, info));
    this.#options.onLanded?.(key, info);
  }

  #eventsFor(key: string, info: ObjectInfo): BusEvent[] {
    const { landingBucket, region } = this.#options;
    const time = new Date().toISOString();
    const prefix = key.slice(0, key.lastIndexOf('/') + 1);
    return [
      {
        source: 'aws.s3',
        'detail-type': 'Object Created',
        time,
        region,
        resources: [`arn:aws:s3:::${landingBucket}`],
        detail: {
          version: '0',
          bucket: { name: landingBucket },
          object: {
            key,
            size: info.size,
            etag: info.etag.replaceAll('"', ''),
            'version-id': info.versionId,
            sequencer: (++this.#sequencer).toString(16).toUpperCase().padStart(18, '0'),
          },
          'request-id': `LOCAL${this.#sequencer}`,
          requester: '000000000000',
          reason: 'PutObject',
        },
      },
      {
        source: 'aws.storagegateway',
        'detail-type': 'Storage Gateway Object Upload Event',
        time,
        region,
        resources: [
          `arn:aws:storagegateway:${region}:000000000000:share/share-LOCAL`,
          `arn:aws:storagegateway:${region}:000000000000:gateway/sgw-LOCAL`,
          `arn:aws:s3:::${landingBucket}`,
        ],
        detail: {
          'object-size': info.size,
          'modification-time': info.lastModified.toISOString(),
          'object-key': key,
          'event-type': 'object-upload-complete',
          prefix,
          'bucket-name': landingBucket,
        },
      },
    ];
  }
}
