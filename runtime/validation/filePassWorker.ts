/**
 * One thread of the embedded runtime's file-pass pool (FilePassPool.ts): reads landed FASTQs from the
 * runtime's bucket folders with the same validator every path runs (validation/fileVerdict.ts) and answers
 * each request with its verdict, or the error that stopped it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import { fileVerdictOf } from '../../validation/fileVerdict.ts';
import type { FilePassReply, FilePassRequest } from './FilePassPool.ts';

const storage = new FolderStorage((workerData as { bucketsDir: string }).bucketsDir);

parentPort!.on('message', async ({ id, file, options }: FilePassRequest) => {
  let reply: FilePassReply;
  try {
    reply = { id, verdict: await fileVerdictOf(storage, file, options) };
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    reply = { id, error: { name, message } };
  }
  parentPort!.postMessage(reply);
});
