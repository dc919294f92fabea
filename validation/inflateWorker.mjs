// The inflate worker of hashAndInflate.ts (offThreadGunzip.ts starts it): its event loop does nothing but feed
// zlib (or igzip, nativeFeed.mjs, when started with `workerData.native`), so inflating runs on while the main
// thread hashes and scans, instead of waiting for a main-thread turn between output chunks. Stored chunks come
// in, decompressed chunks go out, both moved (transferred), not copied across; both directions are acknowledged
// so neither side runs more than a few chunks ahead.
// Each side hands the other's buffers back once done with them, to be filled again.
// Plain JavaScript so it starts in tens of milliseconds.
//
// In:  { type: 'chunk' | 'tail', bytes } · { type: 'end' } · { type: 'consumed', bytes } (output taken)
// Out: { type: 'data', bytes } · { type: 'taken', bytes, failed } (input taken) · { type: 'finished', outcome }
import { parentPort, workerData } from 'node:worker_threads';
import { GunzipFeed, INFLATE_AHEAD, INFLATE_CHUNK, movableCopy } from './gunzipFeed.mjs';
import { NativeFeed } from './nativeFeed.mjs';

if (!parentPort) throw new Error('inflateWorker.mjs runs as a worker thread of hashAndInflate.ts');
const port = parentPort;

let unacknowledged = 0;
let resumeOutput;
const spares = [];

/** Posts decompressed bytes; resolves once the main thread has caught up enough to take more. */
function post(bytes) {
  // Counted before it moves: a moved buffer reads as empty here.
  unacknowledged += bytes.length;
  port.postMessage({ type: 'data', bytes }, [bytes.buffer]);
  return unacknowledged > INFLATE_AHEAD ? new Promise((resolve) => (resumeOutput = resolve)) : undefined;
}

// igzip's output comes in pipe reads of 64 KiB: gathered into INFLATE_CHUNK buffers, so the main thread gets
// as few messages as from zlib.
let gathering;
let gathered = 0;
function flush() {
  if (!gathering || gathered === 0) return undefined;
  const bytes = new Uint8Array(gathering, 0, gathered);
  gathering = undefined;
  return post(bytes);
}
function gather(chunk) {
  let wait;
  for (let at = 0; at < chunk.length; ) {
    if (!gathering) {
      const spare = spares.pop();
      gathering = spare && spare.byteLength >= INFLATE_CHUNK ? spare : new ArrayBuffer(INFLATE_CHUNK);
      gathered = 0;
    }
    const length = Math.min(chunk.length - at, gathering.byteLength - gathered);
    new Uint8Array(gathering, gathered, length).set(chunk.subarray(at, at + length));
    gathered += length;
    at += length;
    if (gathered === gathering.byteLength) wait = flush() ?? wait;
  }
  return wait;
}

const feed = workerData?.native
  ? new NativeFeed(gather)
  : // zlib goes on writing into the rest of its output buffer, so the chunk is copied into memory that can move.
    new GunzipFeed((chunk) => post(movableCopy(spares, chunk, INFLATE_CHUNK)));

async function handle(message) {
  if (message.type === 'end') {
    const outcome = await feed.finish();
    flush();
    port.postMessage({ type: 'finished', outcome });
    port.close();
    return;
  }
  const chunk = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
  await (message.type === 'tail' ? feed.writeTail(chunk) : feed.write(chunk));
  // zlib may still read a chunk it accepted (small writes are buffered): the memory goes back only after.
  await feed.settled();
  port.postMessage({ type: 'taken', bytes: message.bytes, failed: feed.failed }, [message.bytes.buffer]);
}

// Input is handled strictly in order, one message at a time; output acknowledgements at once.
let work = Promise.resolve();
port.on('message', (message) => {
  if (message.type === 'consumed') {
    unacknowledged -= message.bytes.length;
    spares.push(message.bytes.buffer);
    if (unacknowledged <= INFLATE_AHEAD && resumeOutput) {
      resumeOutput();
      resumeOutput = undefined;
    }
    return;
  }
  work = work.then(() => handle(message));
});
