/// <reference path="./.sst/platform/config.d.ts" />

/**
 * Landfall's infrastructure. The stage policy lives here; each concern is one module under
 * `stacks/`, imported in dependency order. Modules share resources through ES exports and
 * may export `outputs`, which are merged into the stack outputs.
 */
export default $config({
  async app(input) {
    const { default: landfall } = await import('./landfall.config.ts');
    const { isPermanentStage, removalFor } = await import('./stacks/stage.ts');
    return {
      name: landfall.app,
      home: 'aws',
      removal: removalFor(input.stage),
      protect: isPermanentStage(input.stage),
      // Pinned to the @pulumi/aws that sst 4.17.1 bundles; `sst install` fetches this version.
      providers: { aws: { version: '7.20.0', region: landfall.homeRegion } },
    };
  },
  async run() {
    // The config is validated first so a bad config fails before any resource is declared.
    await import('./landfall.config.ts');
    const modules: { outputs?: Record<string, unknown>; [name: string]: unknown }[] = [
      await import('./stacks/storage.ts'),
      await import('./stacks/catalog.ts'),
      await import('./stacks/bus.ts'),
      await import('./stacks/teams.ts'),
      await import('./stacks/fileShares.ts'),
      await import('./stacks/notifications.ts'),
      await import('./stacks/functions.ts'),
      await import('./stacks/rules.ts'),
      await import('./stacks/workflows.ts'),
      await import('./stacks/network.ts'),
      await import('./stacks/batch.ts'),
      await import('./stacks/alarms.ts'),
      await import('./stacks/dashboard.ts'),
    ];
    return Object.assign({}, ...modules.map((module) => module.outputs));
  },
});
