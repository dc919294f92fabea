/**
 * A local S3-compatible server (s3rver 3.7.1) for the S3 adapter's contract tests. Test fixture
 * only: STACK.md explains why s3rver is not the embedded store.
 *
 * s3rver needs help to behave like S3 on Node 20 / OpenSSL 3; every fix below is applied once per
 * process, in-process (vitest workers cannot easily get `--openssl-legacy-provider`):
 *
 * 1. ListObjectsV2 continuation tokens use the DES cipher, gone from OpenSSL 3, so a truncated
 *    listing answered 500. `des` (DES-CBC) is mapped to `des-ede3-cbc` with the 8-byte key repeated
 *    three times, which computes exactly single DES. Only the `des` algorithm is touched.
 * 2. s3rver lists by walking folders in name order, but key `a` is the file `a._S3rver_object`
 *    and keys `a/…` live in the folder `a`, so `a`, `a-b`, `a/b` came out as `a/b`, `a-b`, `a`;
 *    paging ("keys after the last one returned") then skipped keys (3 of 5 with MaxKeys 1). The
 *    walk is made to yield keys in S3 order (UTF-8 bytes).
 * 3. UploadPart resolved before its part file was flushed (it waited for the hashing transform,
 *    not the file stream), so completing a multipart upload could read a short part.
 * 4. CopyObject decodes `x-amz-copy-source` with `decodeURI`, which leaves `%2B` (`+`), `%26`
 *    (`&`)… encoded, so keys with those characters were "not found".
 * 5. UploadPartCopy answers NotImplemented. It is emulated in front of s3rver (without signature
 *    checks) with s3rver's own store, so the adapter's multipart-copy path runs end to end:
 *    range, `x-amz-copy-source-if-match`, unknown upload, missing source.
 * 6. AbortMultipartUpload (DELETE ?uploadId) answers MethodNotAllowed. It is emulated the same
 *    way: the upload's parts are removed, so completing it afterwards fails.
 *
 * The client it returns sets `requestChecksumCalculation`/`responseChecksumValidation` to
 * `WHEN_REQUIRED`: with the SDK defaults a streamed PutObject is stored silently corrupted (the
 * aws-chunked framing ends up inside the object). Handler code configured from the environment
 * needs the same settings: see `env`.
 *
 * @example
 * const s3 = await startS3rver({ buckets: ['landing', 'results'] });
 * const storage = new S3Storage(s3.client);
 * // …
 * await s3.close();
 */
import { S3Client } from '@aws-sdk/client-s3';
import crypto from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import fs from 'node:fs';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A running s3rver and a client for it. */
export interface S3rverFixture {
  /** Configured for the server: path style, dummy credentials, checksums only when required. */
  client: S3Client;
  /** Another client configured like `client`, for tests that add middleware (destroyed by `close`). */
  createClient(): S3Client;
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** Environment that points `new S3Client({})` at this server (for handler code under test). */
  env: Record<string, string>;
  /** Where s3rver keeps its files (removed by `close`). */
  directory: string;
  close(): Promise<void>;
}

export interface S3rverFixtureOptions {
  /** Buckets to create before the server answers. */
  buckets: string[];
}

/** The parts of s3rver this fixture uses (the package ships no types). */
interface S3rverStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getObject(
    bucket: string,
    key: string,
    range?: { start: number; end: number },
  ): Promise<{ content: Readable | null; metadata: Record<string, string> } | null>;
  putPart(bucket: string, uploadId: string, partNumber: number, content: Readable): Promise<{ size: number; md5: string }>;
}

interface S3rverApp {
  store: S3rverStore;
  httpServer: Server;
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

type S3rverConstructor = new (options: Record<string, unknown>) => S3rverApp;

const require = createRequire(import.meta.url);
const PATCHED = Symbol.for('landfall.s3rverFixture.patched');
const OBJECT_SUFFIX = '._S3rver_object';

/**
 * Starts s3rver on 127.0.0.1 on a free port with a fresh temp directory and the given buckets.
 *
 * @example
 * const s3 = await startS3rver({ buckets: ['landing'] });
 * await s3.client.send(new ListObjectsV2Command({ Bucket: 'landing' }));
 * await s3.close();
 */
export async function startS3rver(options: S3rverFixtureOptions): Promise<S3rverFixture> {
  const S3rver = loadPatchedS3rver();
  const directory = await mkdtemp(path.join(tmpdir(), 'landfall-s3rver-'));
  const app = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  const { port } = await app.run();
  interceptMultipartRequests(app);

  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  const createClient = (): S3Client => {
    const created = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      // Without these two, a streamed PutObject is stored with the aws-chunked framing inside it.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    clients.push(created);
    return created;
  };
  const client = createClient();
  return {
    client,
    createClient,
    endpoint,
    env: {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      AWS_S3_FORCE_PATH_STYLE: 'true',
    },
    directory,
    async close() {
      for (const created of clients) created.destroy();
      app.httpServer.closeAllConnections();
      await app.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function loadPatchedS3rver(): S3rverConstructor {
  const state = globalThis as { [PATCHED]?: S3rverConstructor };
  if (state[PATCHED]) return state[PATCHED];

  patchDesCipher();

  // Fix 2 must be in place before the store module binds `walk` at load time.
  const storePath = require.resolve('s3rver/lib/stores/filesystem.js');
  if (require.cache[storePath]) {
    throw new Error(
      `s3rver's store (${storePath}) was loaded before test/support/s3rverFixture.ts could fix its listing order; ` +
        'import s3rver only through this fixture',
    );
  }
  const utils = require('s3rver/lib/utils.js') as { walk: typeof sortedWalk };
  utils.walk = sortedWalk;

  const Store = require(storePath) as { prototype: S3rverStore };
  Store.prototype.putPart = putPartFlushed;

  const objectController = require('s3rver/lib/controllers/object.js') as {
    putObjectCopy: (ctx: { headers: Record<string, string | undefined> }) => Promise<void>;
  };
  const putObjectCopy = objectController.putObjectCopy;
  objectController.putObjectCopy = function putObjectCopyFullyDecoded(ctx) {
    const raw = ctx.headers['x-amz-copy-source'];
    // s3rver applies decodeURI; hand it a value for which that yields the fully decoded source.
    if (raw !== undefined) ctx.headers['x-amz-copy-source'] = encodeURI(decodeURIComponent(raw));
    return putObjectCopy(ctx);
  };

  const S3rver = require('s3rver') as S3rverConstructor;
  state[PATCHED] = S3rver;
  return S3rver;
}

/** Fix 1: single DES through triple DES with K1 = K2 = K3. */
function patchDesCipher(): void {
  const asTripleDes = (algorithm: string, key: crypto.CipherKey): [string, crypto.CipherKey] =>
    algorithm.toLowerCase() === 'des' && Buffer.isBuffer(key) && key.length === 8
      ? ['des-ede3-cbc', Buffer.concat([key, key, key])]
      : [algorithm, key];
  const createCipheriv = crypto.createCipheriv;
  const createDecipheriv = crypto.createDecipheriv;
  Object.assign(crypto, {
    createCipheriv(algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, options?: unknown) {
      const [mapped, mappedKey] = asTripleDes(algorithm, key);
      return (createCipheriv as (...args: unknown[]) => crypto.Cipher)(mapped, mappedKey, iv, options);
    },
    createDecipheriv(algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, options?: unknown) {
      const [mapped, mappedKey] = asTripleDes(algorithm, key);
      return (createDecipheriv as (...args: unknown[]) => crypto.Decipher)(mapped, mappedKey, iv, options);
    },
  });
}

/**
 * Fix 2: s3rver's walk, yielding entries in the order of the keys they hold. A file
 * `name._S3rver_object` holds key `name`, a folder `name` holds keys `name/…`.
 */
function* sortedWalk(dir: string, recurseFilter?: (dirPath: string) => boolean): Generator<string> {
  const entries = fs
    .readdirSync(dir, { withFileTypes: true })
    .map((entry) => ({
      entry,
      order: Buffer.from(
        entry.isDirectory()
          ? `${entry.name}/`
          : entry.name.endsWith(OBJECT_SUFFIX)
            ? entry.name.slice(0, -OBJECT_SUFFIX.length)
            : entry.name,
      ),
    }))
    .sort((a, b) => Buffer.compare(a.order, b.order));
  for (const { entry } of entries) {
    const entryPath = path.posix.join(dir, entry.name);
    if (!entry.isDirectory()) yield entryPath;
    else if (!recurseFilter || recurseFilter(entryPath)) yield* sortedWalk(entryPath, recurseFilter);
  }
}

/** Fix 3: s3rver's putPart, answering only once the part file is complete. */
async function putPartFlushed(
  this: S3rverStore,
  bucket: string,
  uploadId: string,
  partNumber: number,
  content: Readable,
): Promise<{ size: number; md5: string }> {
  const partPath = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
  await mkdir(path.dirname(partPath), { recursive: true });
  const md5 = crypto.createHash('md5');
  let size = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  await pipeline(content, hasher, createWriteStream(partPath));
  const digest = md5.digest('hex');
  await writeFile(`${partPath}.md5`, digest);
  return { size, md5: digest };
}

/**
 * Fixes 5 and 6: answer UploadPartCopy (PUT ?partNumber&uploadId with x-amz-copy-source) and
 * AbortMultipartUpload (DELETE ?uploadId) before s3rver sees them.
 */
function interceptMultipartRequests(app: S3rverApp): void {
  const server = app.httpServer;
  const [koa] = server.listeners('request') as RequestListener[];
  if (!koa) throw new Error('s3rver started without a request listener');
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://s3rver');
    const isUploadPartCopy =
      request.method === 'PUT' &&
      url.searchParams.has('uploadId') &&
      url.searchParams.has('partNumber') &&
      request.headers['x-amz-copy-source'] !== undefined;
    const isAbortMultipartUpload = request.method === 'DELETE' && url.searchParams.has('uploadId');
    if (!isUploadPartCopy && !isAbortMultipartUpload) {
      koa(request, response);
      return;
    }
    const handle = isUploadPartCopy ? uploadPartCopy : abortMultipartUpload;
    handle(app.store, url, request, response).catch((error: unknown) => {
      sendError(response, 500, 'InternalError', error instanceof Error ? error.message : String(error));
    });
  });
}

async function uploadPartCopy(store: S3rverStore, url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
  request.resume(); // no body, but drain it so the socket can be reused
  const [, bucket = ''] = url.pathname.split('/');
  const targetBucket = decodeURIComponent(bucket);
  const uploadId = url.searchParams.get('uploadId') ?? '';
  const partNumber = Number(url.searchParams.get('partNumber'));

  const uploadDir = path.join(store.getResourcePath(targetBucket, undefined, 'uploads'), uploadId);
  if (!/^[0-9a-f]+$/.test(uploadId) || !(await stat(uploadDir).catch(() => undefined))) {
    sendError(response, 404, 'NoSuchUpload', `The specified upload does not exist: ${uploadId}`);
    return;
  }

  const [sourcePath = ''] = String(request.headers['x-amz-copy-source']).split('?');
  const source = decodeURIComponent(sourcePath.replace(/^\//, ''));
  const slash = source.indexOf('/');
  const sourceBucket = source.slice(0, slash);
  const sourceKey = source.slice(slash + 1);
  const rangeHeader = request.headers['x-amz-copy-source-range'];
  const range = typeof rangeHeader === 'string' ? /^bytes=(\d+)-(\d+)$/.exec(rangeHeader) : null;
  if (rangeHeader !== undefined && !range) {
    sendError(response, 400, 'InvalidArgument', `Unsupported x-amz-copy-source-range ${String(rangeHeader)}`);
    return;
  }

  const object = await store.getObject(sourceBucket, sourceKey, range ? { start: Number(range[1]), end: Number(range[2]) } : undefined);
  if (!object?.content) {
    object?.content?.destroy();
    sendError(response, 404, 'NoSuchKey', `The specified key does not exist: ${sourceKey}`);
    return;
  }
  const ifMatch = request.headers['x-amz-copy-source-if-match'];
  const unquote = (etag: string): string => etag.replace(/"/g, '');
  if (typeof ifMatch === 'string' && unquote(ifMatch) !== unquote(object.metadata.etag ?? '')) {
    object.content.destroy();
    sendError(response, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
    return;
  }

  const { md5 } = await store.putPart(targetBucket, uploadId, partNumber, object.content);
  response.writeHead(200, { 'content-type': 'application/xml' });
  response.end(
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<CopyPartResult><LastModified>${new Date().toISOString()}</LastModified><ETag>"${md5}"</ETag></CopyPartResult>`,
  );
}

async function abortMultipartUpload(store: S3rverStore, url: URL, request: IncomingMessage, response: ServerResponse): Promise<void> {
  request.resume();
  const [, bucket = ''] = url.pathname.split('/');
  const uploadId = url.searchParams.get('uploadId') ?? '';
  const uploadDir = path.join(store.getResourcePath(decodeURIComponent(bucket), undefined, 'uploads'), uploadId);
  if (!/^[0-9a-f]+$/.test(uploadId) || !(await stat(uploadDir).catch(() => undefined))) {
    sendError(response, 404, 'NoSuchUpload', `The specified upload does not exist: ${uploadId}`);
    return;
  }
  await rm(uploadDir, { recursive: true, force: true });
  response.writeHead(204);
  response.end();
}

function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const escaped = message.replace(/[<>&]/g, (ch) => `&#${ch.charCodeAt(0)};`);
  response.writeHead(status, { 'content-type': 'application/xml' });
  response.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escaped}</Message></Error>`);
}
