import { randomUUID } from 'node:crypto';

/**
 * This process's identity, created once when the module loads (one per Lambda execution environment,
 * one per embedded runtime). A fact's claim records it as its `owner`: a claim whose owner is not a live
 * process can be told apart from one still being published (see Facts.claim in functions/catalog/Facts.ts, the relay in
 * functions/shared/emit.ts, and Facts.releaseAbandoned).
 */
export const INSTANCE_ID = randomUUID();
