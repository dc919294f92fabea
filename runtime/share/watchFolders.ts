import { type FSWatcher, watch } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

export interface FolderWatchOptions {
  /** An entry that is not a folder (a file, a link, a FIFO…) was there at the start, appeared, or changed. */
  onEntry: (file: string) => void;
  /** A folder could not be watched (the system's inotify watches are used up, say): the share's rescans still find its files. */
  onProblem: (folder: string, message: string) => void;
}

export interface FolderWatch {
  /** Folders watched now (one inotify watch each). */
  readonly folderCount: number;
  close(): void;
}

/**
 * Reports every entry under `root` that is not a folder — those there at the start, then each one created,
 * written, moved in or changed — with one `fs.watch` (inotify) per folder, never through a link. An event costs
 * one look at the entry it names. chokidar 4, used before, read the whole folder again and `lstat`ed every entry
 * in it at each change (at most once a second per folder) and watched each file on its own: in a run folder
 * of a few hundred FASTQs being copied, that was the largest file-system cost of the runtime's event loop.
 * Resolves once every folder there at the start is watched and its entries reported.
 */
export async function watchFolders(root: string, options: FolderWatchOptions): Promise<FolderWatch> {
  const watchers = new Map<string, FSWatcher>();
  let closed = false;

  /**
   * Watches `folder`, then reports what it holds: anything created meanwhile is in the listing or an event.
   * `anew`: an event named it (created, or removed and made again, moved in): a watch kept under that name may be
   * the old folder's, so it is replaced and the folder walked again (an inode number is no proof: ext4 hands a
   * removed folder's number to the next one made).
   */
  const watchFolder = async (folder: string, anew = false): Promise<void> => {
    if (closed || (watchers.has(folder) && !anew)) return;
    if (anew) forget(folder);
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, { persistent: true }, (event, name) => onEvent(folder, event, name));
    } catch (error) {
      if (!isGone(error)) options.onProblem(folder, `cannot watch it (${(error as Error).message}); its files are found by the rescans`);
      return;
    }
    // A folder removed or moved away ends its watch (its parent's event says so): this one, not a newer one.
    watcher.on('error', () => {
      if (watchers.get(folder) === watcher) forget(folder);
    });
    watchers.set(folder, watcher);
    await walk(folder);
  };

  /** Reports a folder's entries and watches its sub-folders. */
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      // A link to a folder is not a folder entry: it is reported as the link it is, never followed.
      if (entry.isDirectory()) await watchFolder(full);
      else if (!closed) options.onEntry(full);
    }
  };

  const onEvent = (folder: string, event: string, name: string | Buffer | null): void => {
    if (closed) return;
    // No name: the kernel's queue overflowed, and this folder's events were lost.
    if (name === null) {
      void walk(folder);
      return;
    }
    const full = path.join(folder, name.toString());
    // Written or its attributes changed: the watcher's poll looks at it (and at what it is).
    if (event === 'change') {
      if (!watchers.has(full)) options.onEntry(full);
      return;
    }
    // Created, moved in or out, or removed: a new folder is watched, a gone one forgotten.
    lstat(full).then(
      (stats) => (stats.isDirectory() ? watchFolder(full, true) : options.onEntry(full)),
      () => {
        if (watchers.has(full)) forget(full);
      },
    );
  };

  /** Stops watching `folder` and every folder under it (removed, or moved away: under its new name it is new). */
  const forget = (folder: string): void => {
    for (const [watched, watcher] of watchers) {
      if (watched !== folder && !watched.startsWith(folder + path.sep)) continue;
      watcher.close();
      watchers.delete(watched);
    }
  };

  await watchFolder(root);
  return {
    get folderCount() {
      return watchers.size;
    },
    close: () => {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

const isGone = (error: unknown) => ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');
