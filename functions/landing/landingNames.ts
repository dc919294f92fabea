/**
 * Names that never land, wherever a file comes from: the embedded runtime's share skips them before storing
 * (runtime/share/ShareWatcher.ts), and the landing function skips them when they reach the landing bucket
 * another way — an S3 File Gateway uploads every file a client leaves on the share, so a Mac copying a run
 * folder to an SMB share (or a USB disk formatted exFAT) puts an AppleDouble `._<name>` beside every file, and
 * without a sample sheet `._S1_S1_L001_R1_001.fastq.gz` would otherwise be a sample "._S1" of 4 KB, rejected.
 */

/**
 * Editors' and copy tools' temporary files never land (they are renamed into place when complete), nor the
 * owner file Excel or Word writes beside a file it has open (`~$SampleSheet.csv`, while a person edits the sheet).
 */
const TEMPORARY = /(^~\$|~$|\.tmp$|\.part$|\.partial$|\.crdownload$)/i;

/** Files and folders Windows keeps hidden in any folder it browses or any volume it mounts (lower case). */
const WINDOWS_SYSTEM = new Set(['thumbs.db', 'desktop.ini', '$recycle.bin', 'system volume information']);

/**
 * Why a path inside the share or a run folder (relative, `/`-separated) never lands because of its name, or
 * undefined. Hidden entries (`.DS_Store`, `._S1.fastq.gz`, anything under a `.folder/`, Windows' `Thumbs.db`,
 * `desktop.ini`, `$RECYCLE.BIN/`) and temporary names (`S1.fastq.gz.part`, `~$SampleSheet.csv`).
 * @example nameSkipKind('Data/Intensities/BaseCalls/._S1_S1_L001_R1_001.fastq.gz') // 'hidden'
 */
export function nameSkipKind(relative: string): 'hidden' | 'temporary' | undefined {
  const segments = relative.split('/');
  if (segments.some((segment) => segment.startsWith('.') || WINDOWS_SYSTEM.has(segment.toLowerCase()))) return 'hidden';
  if (TEMPORARY.test(segments.at(-1) ?? '')) return 'temporary';
  return undefined;
}

/** The sentence reported for a name that never lands. */
export function nameSkipReason(kind: 'hidden' | 'temporary'): string {
  return kind === 'hidden'
    ? 'a hidden entry (its name or a folder on its path starts with ".", or is Thumbs.db, desktop.ini, $RECYCLE.BIN or System Volume Information): hidden files never land; rename it if it belongs to the run'
    : 'a temporary file name (~, .tmp, .part, .partial, .crdownload, or an Office owner file ~$…): it never lands; if the copy finished, rename it to its final name';
}
