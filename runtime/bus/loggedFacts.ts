import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Catalog } from '../../functions/catalog/Catalog.ts';
import type { UnpublishedFact } from '../../functions/catalog/Facts.ts';
import { INSTANCE_ID } from '../../functions/shared/instance.ts';

const DEDUPE_KEY = /"dedupeKey":("(?:[^"\\]|\\.)*")/;

function isWholeEvent(line: string): boolean {
  try {
    return typeof (JSON.parse(line) as { detail?: unknown }).detail === 'object';
  } catch {
    return false;
  }
}

/** The dedupeKeys among `wanted` that events in the local bus log (`events.jsonl`) carry. */
export async function dedupeKeysInBusLog(busLogFile: string, wanted: ReadonlySet<string>): Promise<Set<string>> {
  const found = new Set<string>();
  if (wanted.size === 0 || !existsSync(busLogFile)) return found;
  const lines = createInterface({ input: createReadStream(busLogFile, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    const match = DEDUPE_KEY.exec(line);
    if (!match) continue;
    const dedupeKey = JSON.parse(match[1]!) as string;
    // Only a whole line is an event the bus delivered: an append cut short (a full disk) may have left part
    // of one, and that event was never delivered, so its fact must be relayed, not marked published.
    if (wanted.has(dedupeKey) && isWholeEvent(line)) found.add(dedupeKey);
  }
  return found;
}

/**
 * At the embedded runtime's start, before the relay: a fact a dead runtime claimed whose event IS in the
 * bus log went out, and the runtime died between publishing it and marking it published. The local bus's
 * log is the broker's own record, so such a fact is marked published rather than relayed a second time.
 * (EventBridge keeps no such record: in AWS that window, one catalog write after PutEvents, is the one
 * place a fact can be delivered twice, and every event carries its dedupeKey for subscribers.)
 */
export async function markLoggedFactsPublished(catalog: Catalog, busLogFile: string): Promise<UnpublishedFact[]> {
  const pending = (await catalog.facts.listUnpublished()).filter((fact) => fact.owner !== INSTANCE_ID);
  const logged = await dedupeKeysInBusLog(busLogFile, new Set(pending.map((fact) => fact.dedupeKey)));
  const confirmed: UnpublishedFact[] = [];
  for (const fact of pending) {
    if (!logged.has(fact.dedupeKey) || !(await catalog.facts.takeOver(fact))) continue;
    await catalog.facts.markPublished(fact.dedupeKey);
    confirmed.push(fact);
  }
  return confirmed;
}
