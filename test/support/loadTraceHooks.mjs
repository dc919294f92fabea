/** Module hooks of loadTrace.mjs: record each loaded URL, change nothing. */
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  if (process.env.LANDFALL_LOAD_TRACE) appendFileSync(process.env.LANDFALL_LOAD_TRACE, `${url}\n`);
  return nextLoad(url, context);
}
