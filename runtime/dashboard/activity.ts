import { open, stat } from 'node:fs/promises';
import type { Identity } from '../identity/identity.ts';
import { counted } from '../../contracts/words.ts';

/** One Landfall fact from the bus log, in words. */
export interface ActivityItem {
  id: string;
  time: string;
  type: string;
  team?: string;
  runId?: string;
  sampleId?: string;
  text: string;
  /** How many identical lines in a row this one stands for (absent: one). */
  repeats?: number;
}

interface LoggedEvent {
  id?: string;
  time?: string;
  source?: string;
  'detail-type'?: string;
  detail?: Record<string, unknown>;
}

/** The line a person reads for an event: what happened to which sample, and why when it went wrong. */
export function describeActivity(event: LoggedEvent): string {
  const d = event.detail ?? {};
  const sample =
    [d.runId, d.sampleId].filter((part) => typeof part === 'string').join('/') + (typeof d.version === 'number' ? ` v${d.version}` : '');
  switch (event['detail-type']) {
    case 'Sample Rejected': {
      const first = (d.reasons as Array<{ file?: string; line?: number; message?: string }> | undefined)?.[0];
      return `${sample} rejected${first ? `: ${first.file}${first.line !== undefined ? ` line ${first.line}` : ''}: ${first.message}` : ''}`;
    }
    case 'Step Output Published':
      return `${sample}: ${String(d.step)} published ${counted(typeof d.keyCount === 'number' ? d.keyCount : Array.isArray(d.keys) ? d.keys.length : 0, 'file')}`;
    case 'Sample Failed':
      return `${sample} failed: ${String(d.error ?? '')}${d.cause ? ` ${String(d.cause)}` : ''}`;
    case 'Region Scaled Down':
    case 'Region Woke Up':
      return `${String(d.region ?? 'a region')}: ${event['detail-type'] === 'Region Woke Up' ? 'woke up' : 'scaled down to zero'}`;
    default:
      return `${sample}: ${String(event['detail-type']).toLowerCase()}`;
  }
}

/**
 * Follows the bus log (`<state-dir>/bus/events.jsonl`, every event in publish order) from where it last
 * read, keeping the newest Landfall events. Reading the log rather than hooking the bus keeps the
 * dashboard a reader of what the runtime records, like the CLI.
 */
export class BusLogTail {
  readonly #file: string;
  readonly #keep: number;
  #offset = 0;
  #partial = '';
  #items: ActivityItem[] = [];

  constructor(file: string, keep = 200) {
    this.#file = file;
    this.#keep = keep;
  }

  /** Reads what was appended since the last call; false when nothing new. */
  async poll(): Promise<boolean> {
    let size: number;
    try {
      size = (await stat(this.#file)).size;
    } catch {
      return false; // no event logged yet
    }
    if (size < this.#offset) this.#offset = 0; // a new log (state dir reset): start over
    if (size === this.#offset) return false;
    const handle = await open(this.#file, 'r');
    try {
      const length = size - this.#offset;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, this.#offset);
      this.#offset = size;
      const lines = (this.#partial + buffer.toString('utf8')).split('\n');
      this.#partial = lines.pop() ?? ''; // a line still being written
      for (const line of lines) {
        if (!line.trim()) continue;
        let event: LoggedEvent;
        try {
          event = JSON.parse(line) as LoggedEvent;
        } catch {
          continue; // a torn line from a crash is not news
        }
        if (event.source !== 'landfall' || typeof event['detail-type'] !== 'string') continue;
        const d = event.detail ?? {};
        const item: ActivityItem = {
          id: event.id ?? `${this.#offset}-${this.#items.length}`,
          time: event.time ?? new Date().toISOString(),
          type: event['detail-type'],
          text: describeActivity(event),
        };
        if (typeof d.team === 'string') item.team = d.team;
        if (typeof d.runId === 'string') item.runId = d.runId;
        if (typeof d.sampleId === 'string') item.sampleId = d.sampleId;
        this.#items.push(item);
      }
      if (this.#items.length > this.#keep) this.#items = this.#items.slice(-this.#keep);
      return true;
    } finally {
      await handle.close();
    }
  }

  /**
   * The newest `limit` lines `identity` may see, newest first: a team sees its own events and platform ones.
   * Identical lines in a row are one line with a count, so a burst of the same event does not push the
   * rest off the page.
   */
  visible(identity: Identity, teams: string[], limit = 30): ActivityItem[] {
    const allowed = new Set(teams);
    return collapseRepeats(
      this.#items.filter((item) => (item.team === undefined ? true : identity.kind === 'operator' || allowed.has(item.team))),
    )
      .slice(-limit)
      .reverse();
  }
}

/** Folds runs of identical lines (same team, same words) into their newest, counted in `repeats`. Oldest first in and out. */
export function collapseRepeats(items: ActivityItem[]): ActivityItem[] {
  const out: ActivityItem[] = [];
  for (const item of items) {
    const last = out.at(-1);
    if (last && last.team === item.team && last.text === item.text) out[out.length - 1] = { ...item, repeats: (last.repeats ?? 1) + 1 };
    else out.push(item);
  }
  return out;
}
