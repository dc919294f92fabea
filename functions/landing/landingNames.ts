/**
 * Names that never land, wherever a file comes from: the embedded runtime's share skips them before storing
 * (runtime/share/ShareWatcher.ts), and the landing function skips them when they reach the landing bucket
 * another way — an S3 File Gateway uploads every file a client leaves on the share, so a Mac copying a run
 * folder to an SMB share (or a USB disk formatted exFAT) puts an AppleDouble `._<name>` beside every file, and
 * without a sample sheet `._S1_S1_L001_R1_001.fastq.gz` would otherwise be a sample "._S1" of 4 KB, rejected.
 */

/** Editors' and copy tools' temporary files never land (they are renamed into place when complete). */
const TEMPORARY = /(~$|\.tmp$|\.part$|\.partial$|\.crdownload$)/i;

/**
 * Why a path inside the share or a run folder (relative, `/`-separated) never lands because of its name, or
 * undefined. Hidden entries (`.DS_Store`, `._S1.fastq.gz`, anything under a `.folder/`) and temporary names.
 * @example nameSkipKind('Data/Intensities/BaseCalls/._S1_S1_L001_R1_001.fastq.gz') // 'hidden'
 */
export function nameSkipKind(relative: string): 'hidden' | 'temporary' | undefined {
  const segments = relative.split('/');
  if (segments.some((segment) => segment.startsWith('.'))) return 'hidden';
  if (TEMPORARY.test(segments.at(-1) ?? '')) return 'temporary';
  return undefined;
}

/** The sentence reported for a name that never lands. */
export function nameSkipReason(kind: 'hidden' | 'temporary'): string {
  return kind === 'hidden'
    ? 'a hidden entry (its name or a folder on its path starts with "."): hidden files never land; rename it if it belongs to the run'
    : 'a temporary file name (~, .tmp, .part, .partial, .crdownload): it never lands; if the copy finished, rename it to its final name';
}
