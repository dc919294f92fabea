/**
 * The shared volume of a step job: every container of the job (stage-in, the tool, stage-out) mounts it at
 * {@link VOLUME_PATH}, so the tool's command can name its inputs and outputs by fixed paths that are known when
 * the job is submitted. The embedded runtime has no mount namespaces: its executor gives each attempt a host
 * folder and rewrites {@link VOLUME_PATH} to it in argv and environment (runtime/executor), and the phase
 * programs read the root from `LANDFALL_VOLUME`.
 */
import path from 'node:path';

/** Where every container of a step job sees the shared volume. */
export const VOLUME_PATH = '/landfall';

/** Environment variable carrying the volume root to the phase programs. @default {@link VOLUME_PATH} */
export const VOLUME_ENV = 'LANDFALL_VOLUME';

/** The volume root this process sees. */
export function volumeRoot(env: Record<string, string | undefined> = process.env): string {
  return env[VOLUME_ENV] || VOLUME_PATH;
}

/** The folders and files of the volume, under `root`. */
export function volumeLayout(root: string = VOLUME_PATH) {
  const join = (...parts: string[]) => path.posix.join(root, ...parts);
  return {
    root,
    /** `{{out}}`: empty when the tool starts; its files (matching `outputs`) become the step's outputs. */
    out: join('out'),
    /** One file per read label (lanes concatenated in lane order) and `reads.json`. */
    reads: join('in', 'reads'),
    readsIndex: join('in', 'reads', 'reads.json'),
    /** `{{steps.<name>}}`: published outputs of an earlier step (run scope: one subfolder per sample). */
    steps: (step: string) => join('in', 'steps', step),
    /** `{{samplesheet}}`: `sample,fastq_1,fastq_2`, run-scope steps. */
    samplesheet: join('in', 'samplesheet.csv'),
    /** `{{ref}}`: the reference chosen for the sample. */
    ref: join('in', 'ref'),
  } as const;
}

/** A sample id as it appears in staged file names: Illumina's Sample_ID alphabet, anything else replaced by `_`. */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * File name of one read label's staged file: `<sample>_<label>.fastq[.gz]`. Tools that name samples after
 * their input files (MultiQC modules, fastp's report) then see the sample id, not `R1`.
 */
export function stagedReadName(sampleId: string, label: string, gzipped: boolean): string {
  return `${fileSafe(sampleId)}_${label}.fastq${gzipped ? '.gz' : ''}`;
}

/** Whether a landed FASTQ is gzip-compressed, by its name (validation checked the bytes agree). */
export function isGzipName(name: string): boolean {
  return /\.gz$/i.test(name);
}
