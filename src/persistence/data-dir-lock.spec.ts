import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { DataDirInUseError, DataDirLock, LOCK_FILE_NAME } from './data-dir-lock';

/** A pid that ran on this host and has exited (spawnSync waits for it and reaps it). */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid;

describe('DataDirLock', () => {
  let directory: string;
  let lockFile: string;
  const locks: DataDirLock[] = [];

  const acquire = () => {
    const lock = DataDirLock.acquire(directory);
    locks.push(lock);
    return lock;
  };
  const writeLock = (owner: object | string) =>
    writeFileSync(lockFile, typeof owner === 'string' ? owner : JSON.stringify(owner));
  const owner = () => JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number; host: string };

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'scout-lock-'));
    lockFile = join(directory, LOCK_FILE_NAME);
  });

  afterEach(() => {
    for (const lock of locks.splice(0)) lock.release();
    rmSync(directory, { recursive: true, force: true });
  });

  it('creates <dir>/scout.lock holding this pid and host, and removes it on release', () => {
    const lock = acquire();
    expect(owner()).toMatchObject({ pid: process.pid, host: hostname() });
    lock.release();
    expect(existsSync(lockFile)).toBe(false);
    // Free again.
    acquire();
    expect(owner().pid).toBe(process.pid);
  });

  it('refuses a folder held by a live process on this host, naming the folder and the pid, and leaves its lock', () => {
    const holder = { pid: process.ppid, host: hostname(), since: '2027-01-01T00:00:00.000Z' };
    writeLock(holder);
    expect(() => acquire()).toThrow(DataDirInUseError);
    expect(() => acquire()).toThrow(
      `the data folder ${directory} is in use by another Scout Scheduler (pid ${process.ppid} on ${hostname()}, since 2027-01-01T00:00:00.000Z)`,
    );
    expect(owner()).toEqual(holder);
  });

  it('refuses a second lock of the same folder in this very process', () => {
    acquire();
    expect(() => acquire()).toThrow(`pid ${process.pid}`);
    expect(owner().pid).toBe(process.pid);
  });

  it('takes over a stale lock: its pid no longer runs on this host', () => {
    writeLock({ pid: deadPid(), host: hostname(), since: '2027-01-01T00:00:00.000Z' });
    acquire();
    expect(owner()).toMatchObject({ pid: process.pid, host: hostname() });
  });

  it('takes over a lock with this pid that this process does not hold (a restarted container reuses its pid)', () => {
    writeLock({ pid: process.pid, host: hostname(), since: '2027-01-01T00:00:00.000Z' });
    acquire();
    expect(owner().pid).toBe(process.pid);
  });

  it('takes over a lock file a crash left empty or unreadable', () => {
    writeLock('');
    acquire();
    expect(owner().pid).toBe(process.pid);
  });

  it('refuses a lock from another host (its pid cannot be checked) and says which file to delete', () => {
    writeLock({ pid: deadPid(), host: `not-${hostname()}`, since: '2027-01-01T00:00:00.000Z' });
    expect(() => acquire()).toThrow(`if that process is gone, delete ${lockFile}`);
  });

  it('release leaves a lock that is no longer its own alone', () => {
    const lock = acquire();
    const other = { pid: process.ppid, host: hostname(), since: '2027-01-01T00:00:00.000Z' };
    writeLock(other);
    lock.release();
    expect(owner()).toEqual(other);
  });
});
