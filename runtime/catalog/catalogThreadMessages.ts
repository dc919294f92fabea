import type { CatalogAnswer, CatalogExchange } from './startCatalogServer.ts';
import type { CatalogCredentials } from './verifySignature.ts';

/** What the catalog thread starts with (its `workerData`). */
export interface CatalogThreadStart {
  dataDir: string;
  /** 0 for any free port; the same port again when the thread is started over after a crash. */
  port: number;
  credentials: CatalogCredentials;
}

/** The runtime's requests to the catalog thread. */
export type CatalogThreadRequest =
  | { type: 'restart'; id: number; downMs: number }
  | { type: 'close' }
  /** Requests of the runtime's catalog client, as many as were made since the last message (one wake-up each). */
  | { type: 'exchanges'; batch: { id: number; exchange: CatalogExchange }[] };

/** The catalog thread's replies. */
export type CatalogThreadReply =
  | { type: 'listening'; port: number }
  | { type: 'restarted'; id: number; error?: string }
  | { type: 'answers'; batch: CatalogThreadAnswer[] };

/** The answer to one exchange, or why there is none (`code` as a socket's error would have it). */
export interface CatalogThreadAnswer {
  id: number;
  answer?: CatalogAnswer;
  error?: { message: string; code?: string };
}
