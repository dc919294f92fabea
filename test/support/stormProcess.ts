/**
 * A separate OS process that fires events at a live runtime's local PutEvents, each `repeat` times,
 * all at once: `node --import tsx stormProcess.ts <controlPort> <operatorToken> <eventsFile> <repeat>`.
 */
import { readFileSync } from 'node:fs';

const [port, token, eventsFile, repeat] = process.argv.slice(2) as [string, string, string, string];
const events = JSON.parse(readFileSync(eventsFile, 'utf8')) as unknown[];
const copies = Array.from({ length: Number(repeat) }, () => events).flat();
// Shuffle so S3 and Storage Gateway events of the same object interleave differently in each process.
for (let i = copies.length - 1; i > 0; i--) {
  const j = Math.floor(Math.random() * (i + 1));
  [copies[i], copies[j]] = [copies[j], copies[i]];
}
const batches = [];
for (let start = 0; start < copies.length; start += 10) batches.push(copies.slice(start, start + 10));
const responses = await Promise.all(
  batches.map((Entries) =>
    fetch(`http://127.0.0.1:${port}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ Entries }),
    }),
  ),
);
const failed = responses.filter((response) => !response.ok);
if (failed.length > 0) {
  process.stderr.write(`${failed.length} PutEvents calls failed: ${await failed[0]!.text()}\n`);
  process.exit(1);
}
process.stdout.write(`sent ${copies.length} events\n`);
