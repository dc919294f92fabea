import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TeamId } from '../../contracts/names.ts';
import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import { DeliveryError } from './errors.ts';

/**
 * Where team deliveries live on the embedded runtime: `<state-dir>/outbox/<team>.jsonl` holds the team's
 * events, one per fact, in delivery order; `<team>.failed.jsonl` holds webhook calls that never succeeded.
 */
export function outboxPaths(stateDir: string, team: string): { dir: string; outbox: string; failed: string } {
  // The team id becomes a file name: refuse anything that could leave the outbox folder.
  if (!TeamId.safeParse(team).success) throw new DeliveryError(`not a team id: ${JSON.stringify(team)} (expected ^[a-z][a-z0-9-]{1,30}$)`);
  const dir = path.join(path.resolve(stateDir), 'outbox');
  return { dir, outbox: path.join(dir, `${team}.jsonl`), failed: path.join(dir, `${team}.failed.jsonl`) };
}

/** One webhook delivery that failed after its retries, as written to `<team>.failed.jsonl`. */
export interface FailedDelivery {
  team: string;
  target: 'outbox' | 'webhook';
  url?: string;
  dedupeKey: string;
  error: string;
  attempts: number;
  at: string;
  event: BusEvent;
}

/**
 * Parses a JSON-lines file, skipping a line torn by a crash in the middle of an append (it is never
 * followed by valid data on the same line: the writer starts a fresh line after repairing it).
 */
export async function readJsonLines<T>(file: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const entries: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as T);
    } catch {
      // a torn line: skipped, the fact it carried is delivered again on the next publish of it
    }
  }
  return entries;
}

/**
 * A team's delivered events, oldest first.
 *
 * @example
 * const events = await readOutbox('.landfall', 'genomics');
 * const published = events.filter((event) => event['detail-type'] === 'Step Output Published');
 */
export async function readOutbox(stateDir: string, team: string): Promise<BusEvent[]> {
  return readJsonLines<BusEvent>(outboxPaths(stateDir, team).outbox);
}

/** A team's webhook deliveries that failed after their retries, oldest first. */
export async function readFailedDeliveries(stateDir: string, team: string): Promise<FailedDelivery[]> {
  return readJsonLines<FailedDelivery>(outboxPaths(stateDir, team).failed);
}
