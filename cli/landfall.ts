#!/usr/bin/env -S node --import tsx
/**
 * The `landfall` command: process defaults first (Powertools reads them when first loaded), then the
 * command line (cli/program.ts), whose commands each import their module only when they run.
 */
import '../runtime/processDefaults.ts';
import '../runtime/polyfills.ts';
import { main } from './program.ts';

await main();
