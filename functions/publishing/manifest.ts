import type { Services } from '../shared/services.ts';
import type { StepRecord, VersionRecord, VersionRef } from '../catalog/types.ts';
import { faultPoint } from '../shared/faults.ts';
import { manifestKey } from '../../contracts/keys.ts';
import { bucketNames } from '../../config/defineConfig.ts';

export interface SampleManifest {
  team: string;
  runId: string;
  sampleId: string;
  version: number;
  status: VersionRecord['status'];
  pipeline?: string;
  executionName?: string;
  versionHash: string;
  /** Lineage: the exact landed inputs (identity and MD5 of the stored bytes). */
  inputs: Array<{ name: string; bucket: string; key: string; size: number; md5: string; etag: string; versionId?: string }>;
  steps: Record<
    string,
    {
      status: StepRecord['status'];
      sequence?: number;
      region: string;
      attempt?: number;
      publishedAt?: string;
      files: Array<{ key: string; size: number; md5: string }>;
    }
  >;
  revision: number;
  updatedAt: string;
}

/** Renders a sample version's manifest from the catalog, the source of truth. */
export function renderManifest(version: VersionRecord, steps: StepRecord[]): SampleManifest {
  return {
    team: version.team,
    runId: version.runId,
    sampleId: version.sampleId,
    version: version.version,
    status: version.status,
    pipeline: version.pipeline,
    executionName: version.executionName,
    versionHash: version.versionHash,
    inputs: version.files.map(({ name, bucket, key, size, md5, etag, versionId }) => ({ name, bucket, key, size, md5, etag, versionId })),
    steps: Object.fromEntries(
      steps
        .filter((step) => step.publishedAt)
        .sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0))
        .map((step) => [
          step.step,
          {
            status: step.status,
            sequence: step.sequence,
            region: step.region,
            attempt: step.attempt,
            publishedAt: step.publishedAt,
            files: step.outputs ?? [],
          },
        ]),
    ),
    revision: version.manifestRevision ?? 0,
    updatedAt: version.updatedAt,
  };
}

/**
 * Writes manifest.json from the catalog until it reflects the latest catalog revision. Two steps finishing
 * at once both appear: whoever writes last re-reads and re-writes if the catalog moved meanwhile.
 */
export async function writeManifest(
  svc: Pick<Services, 'catalog' | 'storage' | 'config'>,
  ref: VersionRef,
  resultsBucket: string,
): Promise<SampleManifest> {
  for (let round = 0; round < 10; round++) {
    // The version and its steps in one query (they share a key prefix); the version is read again after the write.
    const { version, steps } = await svc.catalog.steps.versionWithSteps(ref);
    if (!version) throw new Error(`no catalog entry for ${ref.team}/${ref.runId}/${ref.sampleId} v${ref.version}`);
    const manifest = renderManifest(version, steps);
    await faultPoint('manifest.betweenReadAndWrite');
    await svc.storage.put(resultsBucket, manifestKey(ref), `${JSON.stringify(manifest, null, 2)}\n`, { contentType: 'application/json' });
    const after = await svc.catalog.samples.getVersion(ref);
    if ((after?.manifestRevision ?? 0) === (version.manifestRevision ?? 0) && after?.status === version.status) return manifest;
  }
  throw new Error(`manifest of ${ref.team}/${ref.runId}/${ref.sampleId} v${ref.version} kept changing while being written`);
}

/**
 * A version's end (or another change its manifest must show) counted and its manifest.json written again: by
 * `Complete sample`, `Record sample failure`, `Finish run steps`, and the sweep for run steps a dead process left.
 */
export async function rewriteManifest(svc: Pick<Services, 'catalog' | 'storage' | 'config'>, ref: VersionRef): Promise<void> {
  await svc.catalog.samples.bumpManifestRevision(ref);
  await writeManifest(svc, ref, bucketNames(svc.config).results);
}
