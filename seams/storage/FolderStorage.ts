import { createHash, randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, lstat, mkdir, open, readdir, readFile, realpath, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { BucketNotFoundError, InvalidKeyError, KeyConflictError, ObjectNotFoundError, StorageError } from './errors.ts';
import { assertBucketName, assertSafeKey, assertSafeMetadata, assertSafePrefix, compareKeys, lowerCaseMetadata } from './keys.ts';
import type { GetOptions, ObjectInfo, ObjectStorage, PutOptions } from './ObjectStorage.ts';
import { mapLimit } from './mapLimit.ts';

/** Hidden sibling of the buckets holding files being written (same filesystem, so rename is atomic). */
const TEMP_DIR = '.tmp';
/** Hidden sibling of the buckets holding one metadata sidecar per key, so bucket folders hold only real files. */
const META_DIR = '.meta';
const LIST_CONCURRENCY = 16;

/**
 * What the sidecar knows about ONE stored file. `ino`, `size` and `mtimeMs` identify the file it
 * describes: a rename keeps all three, so a record matches its file only if that very file is in place.
 */
interface MetaRecord {
  ino: number;
  size: number;
  mtimeMs: number;
  etag: string;
  versionId: string;
  contentType?: string;
  metadata: Record<string, string>;
  /** When the object was stored, for a file linked to another key's (whose mtime is that file's). @default mtimeMs */
  storedAtMs?: number;
}

interface MetaFile {
  format: 1;
  bucket: string;
  key: string;
  /** Newest first: the record of the file being committed, then the record of the file it replaces. */
  records: MetaRecord[];
}

interface TempFile {
  path: string;
  ino: number;
  size: number;
  mtimeMs: number;
  etag: string;
  /** A hard link to the source's file (copy), not bytes written for this object. */
  linked?: boolean;
}

/**
 * Object storage on plain folders, for the embedded runtime: bucket `b` is the folder `<root>/b/`
 * and key `x/y.txt` is the file `<root>/b/x/y.txt`, so a person can browse the data.
 *
 * - **Private**: objects and their records are created mode 0600 (lab data and task payloads are not for
 *   other local users; the embedded runtime's state dir is 0700 as well).
 * - **Atomic writes**: bytes go to `<root>/.tmp/`, are fsynced and renamed into place, then the
 *   folder is fsynced. Readers see the old file or the complete new one; a failed or crashed
 *   write leaves the old object intact (after a real crash a stray file may remain in `.tmp/`,
 *   which is never listed).
 * - **Metadata** (user metadata, content type, ETag, versionId) lives in `<root>/.meta/<bucket>/`,
 *   one JSON sidecar per key named by the key's SHA-256. It is written BEFORE the data is renamed
 *   into place and keeps the previous file's record, and each record names the file (inode, size,
 *   mtime) it describes, so after a crash at any point the file in place still has its record.
 *   A file put there by hand has no record: its ETag is computed from its bytes, with no metadata.
 * - **ETag** is the quoted MD5 hex of the bytes, computed while streaming, like an S3 single-part
 *   upload. Never treat an ETag as an MD5: S3 multipart and SSE-KMS ETags are not.
 * - **Copies** are the source's file linked under the new key where the filesystem allows (a stored file is never
 *   written in place, so two keys can share one): no byte is copied, `linkedToSource` says so, and the copy's
 *   LastModified is when it was made, as in S3. A person who edits a stored file in place edits every key linked
 *   to it; Landfall's own writes always replace the file.
 * - **versionId** is a fresh, monotonically increasing id per write, as in a versioned S3 bucket.
 * - Buckets must exist (`createBucket`); a missing bucket folder is `BucketNotFoundError`, like
 *   S3's NoSuchBucket, so a misspelt bucket fails the same way in both runtimes.
 * - S3 allows keys `a` and `a/b` side by side, a folder tree cannot: such a put throws `KeyConflictError`.
 * - Writers in ONE process are serialised per key; two processes writing the same key concurrently
 *   are not coordinated (the embedded runtime owns its state dir).
 *
 * @example
 * const storage = new FolderStorage('.landfall/buckets');
 * await storage.createBucket('landing');
 * await storage.put('landing', 'incoming/lab-a/run1/SampleSheet.csv', csv, { contentType: 'text/csv' });
 * const info = await storage.head('landing', 'incoming/lab-a/run1/SampleSheet.csv');
 */
export class FolderStorage implements ObjectStorage {
  readonly rootDir: string;
  readonly #tempDir: string;
  readonly #etagCache = new Map<string, string>();

  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
    this.#tempDir = path.join(this.rootDir, TEMP_DIR);
  }

  /**
   * Creates the bucket folder (and the root) if it does not exist yet.
   *
   * @example
   * await storage.createBucket('results');
   */
  async createBucket(bucket: string): Promise<void> {
    assertBucketName(bucket);
    await mkdir(this.#bucketDir(bucket), { recursive: true });
  }

  /**
   * Removes what writers that died left behind (a crash, or a full disk that ended the process mid-write):
   * temporary files in `.tmp/` named after a process that no longer runs, and empty folders in the buckets
   * (a folder is made just before an object is renamed into it; S3 has no empty folders). Returns what was
   * removed, relative to the root. Call it when no other process of a previous run can still be writing
   * (the embedded runtime's start).
   */
  async removeAbandonedWrites(): Promise<string[]> {
    const removed: string[] = [];
    for (const name of await readdir(this.#tempDir).catch(() => [] as string[])) {
      const pid = Number(/^(\d+)-/.exec(name)?.[1]);
      if (!Number.isInteger(pid) || pid <= 0 || isRunning(pid)) continue;
      await unlink(path.join(this.#tempDir, name)).then(
        () => removed.push(`${TEMP_DIR}/${name}`),
        () => undefined,
      );
    }
    const buckets = (await readdir(this.rootDir, { withFileTypes: true }).catch(() => [])).filter(
      (entry) => entry.isDirectory() && !entry.name.startsWith('.'),
    );
    for (const bucket of buckets) {
      const bucketDir = path.join(this.rootDir, bucket.name);
      const folders = (await readdir(bucketDir, { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isDirectory())
        .map((entry) => path.join(entry.parentPath, entry.name))
        .sort((a, b) => b.length - a.length); // deepest first: a folder holding only empty folders goes too
      for (const folder of folders) {
        await rmdir(folder).then(
          () => removed.push(path.relative(this.rootDir, folder)),
          () => undefined, // not empty
        );
      }
    }
    return removed;
  }

  /** The folder that holds a bucket's objects, for people and tools that browse them. */
  bucketPath(bucket: string): string {
    assertBucketName(bucket);
    return this.#bucketDir(bucket);
  }

  async put(bucket: string, key: string, body: Buffer | string | Readable, options: PutOptions = {}): Promise<ObjectInfo> {
    const target = this.#locate(bucket, key);
    const metadata = lowerCaseMetadata(options.metadata);
    assertSafeMetadata(metadata);
    await this.#assertBucketExists(bucket);
    const source = typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([Buffer.from(body)]) : body;
    const temp = await this.#writeTemp(source);
    return this.#commit(bucket, key, target, temp, { contentType: options.contentType, metadata });
  }

  async get(bucket: string, key: string, options: GetOptions = {}): Promise<Readable> {
    const { handle } = await this.#openExisting(bucket, key);
    return handle.createReadStream(options.chunkBytes ? { highWaterMark: options.chunkBytes } : {});
  }

  async getBytes(bucket: string, key: string): Promise<Buffer> {
    const { handle } = await this.#openExisting(bucket, key);
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    const target = this.#locate(bucket, key);
    const file = await this.#containedRealPath(bucket, target.file);
    if (file === undefined) return undefined;
    const stats = await statIfExists(file);
    if (!stats?.isFile()) return undefined;
    const record = await this.#findRecord(target.meta, stats);
    return {
      bucket,
      key,
      size: stats.size,
      etag: record?.etag ?? (await this.#computeEtag(file, stats)),
      ...(record ? { versionId: record.versionId } : {}),
      lastModified: storedAt(record, stats),
      metadata: { ...(record?.metadata ?? {}) },
    };
  }

  /**
   * Walks only the folders the prefix can reach. Like S3 ListObjectsV2, the results carry no user
   * metadata and no versionId (`head` each object for those); symbolic links are not followed.
   */
  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    assertBucketName(bucket);
    assertSafePrefix(prefix);
    await this.#assertBucketExists(bucket);
    const bucketDir = this.#bucketDir(bucket);
    const slash = prefix.lastIndexOf('/');
    const folderPart = prefix.slice(0, slash + 1);
    const namePart = prefix.slice(slash + 1);
    const startDir = path.resolve(bucketDir, ...folderPart.split('/').filter(Boolean));
    assertInside(bucketDir, startDir, prefix, true);
    // Deeper folders are entered only if they are real folders; the start folder could be a link.
    if (startDir !== bucketDir && (await this.#containedRealPath(bucket, startDir)) === undefined) return [];

    const keys: string[] = [];
    const walk = async (dir: string, keyPrefix: string, nameFilter: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if (isCode(error, 'ENOENT', 'ENOTDIR')) return;
        throw error;
      }
      for (const entry of entries) {
        if (!entry.name.startsWith(nameFilter)) continue;
        const key = keyPrefix + entry.name;
        if (entry.isDirectory()) {
          await walk(path.join(dir, entry.name), `${key}/`, '');
        } else if (entry.isFile() && isSafeKey(key)) {
          keys.push(key);
        }
      }
    };
    await walk(startDir, folderPart, namePart);
    keys.sort(compareKeys);

    const infos = await mapLimit(keys, LIST_CONCURRENCY, async (key): Promise<ObjectInfo | undefined> => {
      const target = this.#locate(bucket, key);
      const stats = await statIfExists(target.file);
      if (!stats?.isFile()) return undefined; // deleted while listing
      const record = await this.#findRecord(target.meta, stats);
      return {
        bucket,
        key,
        size: stats.size,
        etag: record?.etag ?? (await this.#computeEtag(target.file, stats)),
        lastModified: storedAt(record, stats),
        metadata: {},
      };
    });
    return infos.filter((info): info is ObjectInfo => info !== undefined);
  }

  async copy(sourceBucket: string, sourceKey: string, targetBucket: string, targetKey: string): Promise<ObjectInfo> {
    const target = this.#locate(targetBucket, targetKey);
    const source = await this.#openExisting(sourceBucket, sourceKey);
    let temp: TempFile;
    let record: MetaRecord | undefined;
    try {
      // The open descriptor pins the source file: a concurrent overwrite cannot mix two versions.
      record = await this.#findRecord(source.meta, source.stats);
      await this.#assertBucketExists(targetBucket);
      // A stored file is never written in place (every write is a new file renamed over the old), so the copy
      // can be the source's file itself under a second name: no byte is read or written, and the disk holds a
      // published BAM once, not once per copy. Where a link cannot be made (another filesystem), bytes are copied.
      // As S3's CopyObject does, the copy keeps its source's ETag (Landfall never writes multipart objects
      // here): hashing every copied byte again only to compute it was a third of publishing's CPU.
      temp = (await this.#linkTemp(source, record?.etag)) ?? (await this.#writeTemp(readChunks(source.handle), record?.etag));
    } finally {
      await source.handle.close();
    }
    const stored = await this.#commit(targetBucket, targetKey, target, temp, {
      contentType: record?.contentType,
      metadata: { ...(record?.metadata ?? {}) },
    });
    // Renaming a link over another link to the same file leaves both names (POSIX): drop the temporary one.
    if (temp.linked) await unlink(temp.path).catch(ignoreCode('ENOENT'));
    return temp.linked ? { ...stored, linkedToSource: true } : stored;
  }

  async delete(bucket: string, key: string): Promise<void> {
    const target = this.#locate(bucket, key);
    await this.#assertBucketExists(bucket);
    const bucketDir = this.#bucketDir(bucket);
    await exclusive(target.file, async () => {
      if (!(await this.#containedRealPath(bucket, target.file))) return;
      // Data first: a crash after this leaves only a stale sidecar, which matches no file. A delete of the
      // folder's last other key may have removed the folder meanwhile: then there is nothing left to sync.
      if (await unlinkIfFile(target.file)) await fsyncDir(path.dirname(target.file)).catch(ignoreCode('ENOENT'));
      await unlinkIfFile(target.meta);
      await pruneEmptyDirs(path.dirname(target.file), bucketDir);
    });
  }

  #bucketDir(bucket: string): string {
    return path.join(this.rootDir, bucket);
  }

  /** Validates before any disk access, then resolves the data and sidecar paths. */
  #locate(bucket: string, key: string): { file: string; meta: string } {
    assertBucketName(bucket);
    assertSafeKey(key);
    const bucketDir = this.#bucketDir(bucket);
    const file = path.resolve(bucketDir, ...key.split('/'));
    assertInside(bucketDir, file, key, false);
    const digest = createHash('sha256').update(key, 'utf8').digest('hex');
    const meta = path.join(this.rootDir, META_DIR, bucket, digest.slice(0, 2), `${digest}.json`);
    return { file, meta };
  }

  async #assertBucketExists(bucket: string): Promise<void> {
    const stats = await statIfExists(this.#bucketDir(bucket));
    if (!stats?.isDirectory()) throw new BucketNotFoundError(bucket);
  }

  /**
   * The file's real path if it exists and stays inside the bucket folder once symbolic links are
   * resolved (a person browsing the folder could have linked a folder elsewhere), else undefined.
   */
  async #containedRealPath(bucket: string, file: string): Promise<string | undefined> {
    let real: string;
    try {
      real = await realpath(file);
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
      throw error;
    }
    const bucketDir = await realpath(this.#bucketDir(bucket));
    if (!real.startsWith(bucketDir + path.sep)) {
      throw new StorageError(`${file} resolves to ${real}, outside the bucket folder ${bucketDir} (symbolic link?)`);
    }
    return real;
  }

  async #openExisting(bucket: string, key: string): Promise<{ handle: FileHandle; stats: Stats; meta: string; file: string }> {
    const target = this.#locate(bucket, key);
    const real = await this.#containedRealPath(bucket, target.file);
    const handle = real === undefined ? undefined : await openIfExists(real);
    if (handle) {
      const stats = await handle.stat();
      if (stats.isFile()) return { handle, stats, meta: target.meta, file: real! };
      await handle.close(); // a folder: the key only exists as a prefix of others
    }
    await this.#assertBucketExists(bucket);
    throw new ObjectNotFoundError(bucket, key);
  }

  /**
   * A hidden temp name for the open source's own file (a hard link), or undefined when none can be made: another
   * filesystem, links not allowed, or the key replaced since it was opened (the link would name the new file).
   * The source's bytes are durable already; only the name is new, and the commit makes it durable.
   */
  async #linkTemp(source: { stats: Stats; file: string }, etag: string | undefined): Promise<TempFile | undefined> {
    if (etag === undefined) return undefined; // a file a person put there: its ETag is computed from the bytes copied
    await mkdir(this.#tempDir, { recursive: true });
    const tempPath = path.join(this.#tempDir, `${process.pid}-${randomBytes(8).toString('hex')}.link`);
    try {
      await link(source.file, tempPath);
    } catch (error) {
      if (isCode(error, 'EXDEV', 'EPERM', 'EACCES', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'ENOENT')) return undefined;
      throw error;
    }
    const linked = await lstat(tempPath);
    if (linked.ino !== source.stats.ino || linked.dev !== source.stats.dev) {
      await unlink(tempPath).catch(() => undefined);
      return undefined;
    }
    return { path: tempPath, ino: linked.ino, size: linked.size, mtimeMs: linked.mtimeMs, etag, linked: true };
  }

  /** Streams the body into a hidden temp file, hashing as it goes (unless its ETag is known), and makes it durable. */
  async #writeTemp(source: AsyncIterable<unknown>, knownEtag?: string): Promise<TempFile> {
    await mkdir(this.#tempDir, { recursive: true });
    const tempPath = path.join(this.#tempDir, `${process.pid}-${randomBytes(8).toString('hex')}.part`);
    const handle = await open(tempPath, 'wx', 0o600);
    try {
      const md5 = knownEtag === undefined ? createHash('md5') : undefined;
      let size = 0;
      for await (const chunk of source) {
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
        md5?.update(bytes);
        await writeAll(handle, bytes, size);
        size += bytes.length;
      }
      await handle.sync();
      const stats = await handle.stat();
      await handle.close();
      return { path: tempPath, ino: stats.ino, size, mtimeMs: stats.mtimeMs, etag: md5 ? `"${md5.digest('hex')}"` : knownEtag! };
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlink(tempPath).catch(() => undefined);
      throw error;
    }
  }

  /** Moves a durable temp file into place: sidecar first, then the data, each atomically. */
  async #commit(
    bucket: string,
    key: string,
    target: { file: string; meta: string },
    temp: TempFile,
    attributes: { contentType?: string | undefined; metadata: Record<string, string> },
  ): Promise<ObjectInfo> {
    const bucketDir = this.#bucketDir(bucket);
    try {
      return await exclusive(target.file, async () => {
        const record: MetaRecord = {
          ino: temp.ino,
          size: temp.size,
          mtimeMs: temp.mtimeMs,
          etag: temp.etag,
          versionId: nextVersionId(),
          ...(attributes.contentType !== undefined ? { contentType: attributes.contentType } : {}),
          metadata: attributes.metadata,
          ...(temp.linked ? { storedAtMs: Date.now() } : {}),
        };
        // Up to three attempts: a concurrent delete may prune the (empty) parent folder we just created.
        for (let attempt = 1; ; attempt += 1) {
          await this.#prepareParent(bucket, key, bucketDir, target.file);
          const current = await statIfExists(target.file);
          if (current?.isDirectory()) {
            throw new KeyConflictError(bucket, key, `a folder of that name holds keys under "${key}/"`);
          }
          const previous = current?.isFile() ? await this.#findRecord(target.meta, current) : undefined;
          await this.#writeMeta(target.meta, { format: 1, bucket, key, records: previous ? [record, previous] : [record] });
          try {
            await rename(temp.path, target.file);
            break;
          } catch (error) {
            if (isCode(error, 'EISDIR', 'ENOTEMPTY', 'EEXIST')) {
              throw new KeyConflictError(bucket, key, `a folder of that name holds keys under "${key}/"`, { cause: error });
            }
            if (!isCode(error, 'ENOENT') || attempt === 3) throw error;
          }
        }
        await fsyncDir(path.dirname(target.file));
        return {
          bucket,
          key,
          size: temp.size,
          etag: temp.etag,
          versionId: record.versionId,
          lastModified: new Date(record.storedAtMs ?? temp.mtimeMs),
          metadata: { ...attributes.metadata },
        };
      });
    } catch (error) {
      await unlink(temp.path).catch(() => undefined);
      throw error;
    }
  }

  async #prepareParent(bucket: string, key: string, bucketDir: string, file: string): Promise<void> {
    const parent = path.dirname(file);
    try {
      await mkdir(parent, { recursive: true });
    } catch (error) {
      if (isCode(error, 'ENOTDIR', 'EEXIST')) {
        throw new KeyConflictError(bucket, key, `a file is stored where "${path.relative(bucketDir, parent)}" needs a folder`, {
          cause: error,
        });
      }
      throw error;
    }
    const realParent = await realpath(parent);
    const realBucket = await realpath(bucketDir);
    if (realParent !== realBucket && !realParent.startsWith(realBucket + path.sep)) {
      throw new StorageError(`${parent} resolves to ${realParent}, outside the bucket folder ${realBucket} (symbolic link?)`);
    }
  }

  async #findRecord(metaPath: string, stats: Stats): Promise<MetaRecord | undefined> {
    let parsed: MetaFile;
    try {
      parsed = JSON.parse(await readFile(metaPath, 'utf8')) as MetaFile;
    } catch (error) {
      // A missing or unreadable sidecar (it is written atomically, so this means none): the file
      // is treated as one a person put there, and its ETag is computed from its bytes.
      if (isCode(error, 'ENOENT', 'ENOTDIR') || error instanceof SyntaxError) return undefined;
      throw error;
    }
    return parsed.records?.find((record) => record.ino === stats.ino && record.size === stats.size && record.mtimeMs === stats.mtimeMs);
  }

  async #writeMeta(metaPath: string, content: MetaFile): Promise<void> {
    await mkdir(this.#tempDir, { recursive: true });
    const tempPath = path.join(this.#tempDir, `${process.pid}-${randomBytes(8).toString('hex')}.meta`);
    const handle = await open(tempPath, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(content));
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await mkdir(path.dirname(metaPath), { recursive: true });
      await rename(tempPath, metaPath);
    } catch (error) {
      await unlink(tempPath).catch(() => undefined);
      throw error;
    }
    // The sidecar must be durable before the data rename is, or a crash could leave the new file without its record.
    await fsyncDir(path.dirname(metaPath));
  }

  /** MD5 of a file that has no sidecar record, cached by the file's identity. */
  async #computeEtag(file: string, stats: Stats): Promise<string> {
    const cacheKey = `${file}\0${stats.ino}\0${stats.size}\0${stats.mtimeMs}`;
    const cached = this.#etagCache.get(cacheKey);
    if (cached) return cached;
    const md5 = createHash('md5');
    const handle = await open(file, 'r');
    try {
      for await (const chunk of readChunks(handle)) md5.update(chunk);
    } finally {
      await handle.close();
    }
    const etag = `"${md5.digest('hex')}"`;
    if (this.#etagCache.size >= 10_000) this.#etagCache.clear();
    this.#etagCache.set(cacheKey, etag);
    return etag;
  }
}

let lastVersionMs = 0;
let versionSequence = 0;
const versionOrigin = randomBytes(3).toString('hex');

/**
 * Time-ordered version ids: milliseconds, a per-millisecond counter (which also carries on if the
 * clock steps back), and a per-process tag so two processes never mint the same id.
 */
function nextVersionId(): string {
  const now = Date.now();
  if (now > lastVersionMs) {
    lastVersionMs = now;
    versionSequence = 0;
  } else {
    versionSequence += 1;
  }
  return `${String(lastVersionMs).padStart(15, '0')}.${String(versionSequence).padStart(6, '0')}.${versionOrigin}`;
}

const locks = new Map<string, Promise<void>>();

/** Runs `task` after every earlier task on the same id in this process has settled. */
async function exclusive<T>(id: string, task: () => Promise<T>): Promise<T> {
  const previous = locks.get(id) ?? Promise.resolve();
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => done);
  locks.set(id, tail);
  await previous;
  try {
    return await task();
  } finally {
    release();
    if (locks.get(id) === tail) locks.delete(id);
  }
}

function assertInside(bucketDir: string, resolved: string, key: string, allowRoot: boolean): void {
  if (allowRoot && resolved === bucketDir) return;
  if (!resolved.startsWith(bucketDir + path.sep)) {
    throw new InvalidKeyError(key, `resolves to ${resolved}, outside the bucket folder ${bucketDir}`);
  }
}

function isSafeKey(key: string): boolean {
  try {
    assertSafeKey(key);
    return true;
  } catch {
    return false; // a file a person named so that it cannot be addressed through the seam
  }
}

/** When a stored object was stored: its record's time for a linked file, else the file's mtime. */
function storedAt(record: MetaRecord | undefined, stats: Stats): Date {
  return record?.storedAtMs === undefined ? stats.mtime : new Date(record.storedAtMs);
}

function isCode(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes((error as { code?: string }).code ?? '');
}

async function statIfExists(file: string): Promise<Stats | undefined> {
  try {
    return await stat(file);
  } catch (error) {
    if (isCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}

async function openIfExists(file: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, 'r');
  } catch (error) {
    if (isCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}

async function unlinkIfFile(file: string): Promise<boolean> {
  const stats = await lstat(file).catch((error: unknown) => {
    if (isCode(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  });
  if (!stats || stats.isDirectory()) return false;
  try {
    await unlink(file);
    return true;
  } catch (error) {
    if (isCode(error, 'ENOENT')) return false;
    throw error;
  }
}

const READ_CHUNK_BYTES = 1024 * 1024;

/** Reads a file through an open handle (the handle stays open: the caller owns it). */
async function* readChunks(handle: FileHandle): AsyncGenerator<Buffer> {
  for (let position = 0; ; ) {
    const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK_BYTES, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/** `write` may write less than asked: loop until the whole chunk is on disk. */
async function writeAll(handle: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset, position + offset);
    offset += bytesWritten;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A rejection handler that swallows these error codes and rethrows any other error. */
const ignoreCode =
  (...codes: string[]) =>
  (error: unknown): void => {
    if (!isCode(error, ...codes)) throw error;
  };

/** Removes now-empty folders from `dir` up to, but not including, `stopAt`. */
async function pruneEmptyDirs(dir: string, stopAt: string): Promise<void> {
  for (let current = dir; current !== stopAt && current.startsWith(stopAt + path.sep); current = path.dirname(current)) {
    try {
      await rmdir(current);
    } catch (error) {
      if (isCode(error, 'ENOTEMPTY', 'EEXIST', 'ENOENT', 'ENOTDIR', 'EBUSY')) return;
      throw error;
    }
  }
}

/** Whether a process with this id runs (EPERM: it does, as another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
