import { z } from 'zod';

/**
 * The read vocabulary every boundary carries (events, job payloads, validation jobs, the catalog): a
 * file's read LABEL exactly as the instrument named it, the ROLE that read plays, its lane and part.
 * layouts/ decides them (layouts/runLayout.ts) and re-exports these types; this module only fixes the
 * shape, so a payload built on one side parses on the other.
 */

/** Read labels as demultiplexers write them into FASTQ names: data reads R1–R4, index reads I1/I2. */
export const ReadLabel = z.enum(['R1', 'R2', 'R3', 'R4', 'I1', 'I2']);
export type ReadLabel = z.infer<typeof ReadLabel>;

/** What a read is for. Index and UMI reads are never mates; `single` stands alone (single-end, long reads). */
export const ReadRole = z.enum(['mate1', 'mate2', 'single', 'index1', 'index2', 'umi']);
export type ReadRole = z.infer<typeof ReadRole>;

/** One landed file of a sample with its label, role, lane (0: every lane in one file) and part (order among chunks). */
export const FileRead = z.object({
  name: z.string().min(1),
  label: ReadLabel,
  role: ReadRole,
  lane: z.number().int().nonnegative(),
  part: z.number().int().positive(),
});
export type FileRead = z.infer<typeof FileRead>;
