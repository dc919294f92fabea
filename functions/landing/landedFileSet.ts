import type { FileRead } from '../../contracts/reads.ts';
import { type FileSetRef, tooLongInline } from '../catalog/FileSets.ts';
import { LISTED_IN_EVENT } from '../shared/eventLists.ts';
import type { Services } from '../shared/services.ts';

/**
 * A sample's landed files as an event or item carries them: every name (and each file's reads), or — for a
 * set too long to carry (a team's SNS topic refuses messages over 256 KB, DynamoDB items over 400 KB; a MinKNOW
 * barcode has thousands of batches) — the first {@link LISTED_IN_EVENT} names and the catalog's file set
 * holding them all.
 */
export type LandedFileSet = {
  files: string[];
  reads?: FileRead[];
  fileSet?: FileSetRef;
};

/** One entry of a landed set kept in the catalog: the file's reads, or only its name (an announcement without reads). */
type LandedEntry = FileRead | { name: string };

/** The landed set to carry: whole when it fits, else written to the catalog and named. */
export async function carriedLandedSet(
  svc: Pick<Services, 'catalog'>,
  sample: { team: string; runId: string; sampleId: string },
  whole: { files: string[]; reads?: FileRead[] },
): Promise<LandedFileSet> {
  const entries: LandedEntry[] = whole.reads ?? whole.files.map((name) => ({ name }));
  if (!tooLongInline(entries)) return whole;
  const fileSet = await svc.catalog.samples.fileSets.put(sample, 'landed', entries);
  return { files: whole.files.slice(0, LISTED_IN_EVENT), fileSet };
}

/** Every name (and the reads, when they were announced) of a landed set, read from the catalog when it is kept there. */
export async function wholeLandedSet(
  svc: Pick<Services, 'catalog'>,
  sample: { team: string; runId: string; sampleId: string },
  carried: LandedFileSet,
): Promise<{ files: string[]; reads?: FileRead[] }> {
  if (!carried.fileSet) return { files: carried.files, ...(carried.reads ? { reads: carried.reads } : {}) };
  const entries = await svc.catalog.samples.fileSets.get<LandedEntry>(sample, carried.fileSet);
  const reads = entries.every((entry): entry is FileRead => 'label' in entry) ? entries : undefined;
  return { files: entries.map((entry) => entry.name), ...(reads ? { reads } : {}) };
}
