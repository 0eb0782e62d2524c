import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { processIsAlive } from '../common/process-alive';

export const LOCK_FILE_NAME = 'scout.lock';

/** Who holds a data folder, as written in its lock file. */
export interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/** The data folder is held by another live process: the message names the folder and the holder. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

/** Folders this process holds: a lock file with our own pid that is not listed here is a past life. */
const held = new Set<string>();

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (!Number.isSafeInteger(owner.pid) || typeof owner.host !== 'string') return null;
    return { pid: owner.pid!, host: owner.host, since: String(owner.since ?? 'an unknown time') };
  } catch {
    return null;
  }
}

/**
 * One process at a time per embedded data folder. PGlite has no lock of its own: a second
 * process on the same folder would write the same files (or abort inside WASM). The lock is a
 * file created with the exclusive flag, holding the pid and host, taken before PGlite opens and
 * removed on clean shutdown. A lock left by a crash is taken over when its pid no longer runs on
 * this host (or is this very pid, as after a container restart); one from another host cannot
 * be checked, so it is refused, and the message says which file to delete.
 *
 * Two processes taking over the same stale lock at the same instant could both succeed (there is
 * no compare-and-swap on a path); that needs a crash and two simultaneous starts, and is left.
 */
export class DataDirLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly directory: string,
    readonly path: string,
  ) {
    // A process that exits without a clean shutdown (a failed start, process.exit) leaves no lock.
    process.once('exit', this.onExit);
  }

  static acquire(dataDir: string): DataDirLock {
    const directory = resolve(dataDir);
    mkdirSync(directory, { recursive: true });
    const path = join(directory, LOCK_FILE_NAME);
    const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        try {
          writeSync(fd, `${JSON.stringify(me)}\n`);
        } finally {
          closeSync(fd);
        }
        held.add(directory);
        return new DataDirLock(directory, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readOwner(path);
      // An unreadable lock is one a crash cut short between creating and writing it.
      if (owner && !DataDirLock.isStale(owner, directory)) {
        throw new DataDirInUseError(
          `the data folder ${directory} is in use by another Scout Scheduler (pid ${owner.pid} on ` +
            `${owner.host}, since ${owner.since}); stop it or set another DATA_DIR ` +
            `(if that process is gone, delete ${path})`,
        );
      }
      rmSync(path, { force: true });
    }
    throw new DataDirInUseError(
      `the data folder ${directory} could not be locked: ${path} keeps coming back`,
    );
  }

  private static isStale(owner: LockOwner, directory: string): boolean {
    if (owner.host !== hostname()) return false;
    if (owner.pid === process.pid) return !held.has(directory);
    return !processIsAlive(owner.pid);
  }

  /** Removes the lock file, if it is still this process's. */
  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this.directory);
    process.removeListener('exit', this.onExit);
    const owner = readOwner(this.path);
    if (owner?.pid === process.pid && owner.host === hostname()) rmSync(this.path, { force: true });
  }
}
