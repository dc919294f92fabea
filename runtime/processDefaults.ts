/**
 * Process-wide defaults for running Landfall's handlers in-process. Imported FIRST by the CLI and the
 * embedded runtime: Powertools reads these when `functions/shared/powertools.ts` is first evaluated.
 * - Metrics: no EMF lines on the terminal (the local alarm evaluator is the embedded metrics sink).
 * - Logs: warnings and errors only, unless LANDFALL_LOG_LEVEL asks for more.
 */
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= process.env.LANDFALL_LOG_LEVEL ?? 'WARN';
process.env.POWERTOOLS_SERVICE_NAME ??= 'landfall';

export {};
