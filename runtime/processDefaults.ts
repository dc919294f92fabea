/**
 * Process-wide defaults for running Landfall's handlers in-process. Imported FIRST by the CLI and the
 * embedded runtime: Powertools reads these when `functions/shared/powertools.ts` is first evaluated.
 * - Metrics: no EMF lines on the terminal (the local alarm evaluator is the embedded metrics sink).
 * - Logs: warnings and errors only, unless LANDFALL_LOG_LEVEL asks for more.
 * - The AWS SDK's NodeVersionSupportWarning (9 lines on every command that loads a client under Node 20):
 *   that one warning is switched off by the SDK's own setting; every other process warning still shows.
 *   Job processes inherit it.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= process.env.LANDFALL_LOG_LEVEL ?? 'WARN';
process.env.POWERTOOLS_SERVICE_NAME ??= 'landfall';

export {};
