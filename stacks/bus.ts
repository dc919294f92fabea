import landfall from '../landfall.config.ts';

const stage = $app.stage.toLowerCase();

/**
 * Landfall's event bus in the home region: every rule of `events/` (the pipeline's and the per-team
 * subscriptions) is deployed on it, and the handlers publish Landfall's own events to it.
 */
export const bus = new aws.cloudwatch.EventBus('Bus', { name: `${landfall.app}-${stage}` });

/** Stack outputs shown after `sst deploy`. */
export const outputs = { eventBus: bus.name };
