/**
 * `node --import ./test/support/loadTrace.mjs …` appends the URL of every ES module the process loads to the
 * file named by LANDFALL_LOAD_TRACE (one per line): how the tests see what a command loads.
 */
import { register } from 'node:module';

register('./loadTraceHooks.mjs', import.meta.url);
