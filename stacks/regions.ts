import landfall from '../landfall.config.ts';

/** The region SST's default AWS provider deploys to (set in `sst.config.ts` from the config). */
export const homeRegion: string = landfall.homeRegion;

/** Every configured region except the home region, in config order. */
export const otherRegions: readonly string[] = landfall.regions.map((r) => r.name).filter((name) => name !== homeRegion);

const providers = new Map<string, aws.Provider>();

/**
 * The provider for resources in `region`: `undefined` at home (SST's default provider),
 * otherwise one `aws.Provider` per region, shared by every module so a region has one provider.
 *
 * @example
 * new aws.kms.Key('DataKeyUsEast1', { enableKeyRotation: true }, { provider: providerFor('us-east-1') });
 */
export function providerFor(region: string): aws.Provider | undefined {
  if (region === homeRegion) return undefined;
  let provider = providers.get(region);
  if (!provider) {
    provider = new aws.Provider(`Aws${pascal(region)}`, { region });
    providers.set(region, provider);
  }
  return provider;
}

/** `us-east-1` → `UsEast1`, for logical resource names. */
export function pascal(text: string): string {
  return text
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
