import { readFileSync } from 'node:fs';
import { open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fsyncDir } from './fsync-dir.js';

/** Name of the lock file inside a locked data directory. */
export const LOCK_FILE = 'LOCK';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

/** Refusal to open a data directory another live process holds. Code: `DATA_DIR_LOCKED`. */
export class DataDirLockedError extends Error {
  readonly code = 'DATA_DIR_LOCKED';
  /** `why`: what two processes on the directory would do wrong, said in the refusal. */
  constructor(dir: string, owner: LockOwner, why: string) {
    super(
      `DATA_DIR_LOCKED: data directory ${dir} is in use by process ${owner.pid} on ${owner.host} (since ${owner.startedAt}): ` +
        `${why}. Stop that process, or give this one its own DATA_DIR (a lock left by a host ` +
        `that is gone: delete ${join(dir, LOCK_FILE)}).`,
    );
    this.name = 'DataDirLockedError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/**
 * A killed process whose parent has not reaped it still answers kill(pid, 0). In a container
 * whose pid 1 does not reap orphans it stays a zombie for good, and its lock would never be
 * taken over. Linux shows the state in /proc; elsewhere it is assumed alive.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ...`: comm may contain spaces or parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/**
 * A lock whose owner is gone: it died on this host (kill -9). A lock naming our own pid but
 * taken before this process started was left by an earlier life under the same pid (pid 1 in a
 * container restarted on the same volume).
 */
function isStale(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false;
  if (owner.pid !== process.pid) return !isAlive(owner.pid);
  const processStartedAt = Date.now() - process.uptime() * 1000;
  return Date.parse(owner.startedAt) < processStartedAt;
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    // Torn by a crash between create and write: nobody can be holding it.
    return undefined;
  }
}

export interface DataDirLock {
  release(): Promise<void>;
}

/**
 * Exclusive use of a data directory by one process: a lock file created with O_EXCL naming its
 * pid and host. A lock left by a process that died (kill -9) is taken over at once, because its
 * pid is gone; a lock held by a live process is refused with `DataDirLockedError`. A pid file
 * rather than an mtime-refreshed lock (proper-lockfile): no timer to starve under CPU load and
 * no stale-wait after a crash.
 */
export async function lockDataDir(dir: string, why: string): Promise<DataDirLock> {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let tries = 0; ; tries++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(JSON.stringify(me));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsyncDir(dir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = await readOwner(path);
      if (owner && !isStale(owner)) throw new DataDirLockedError(dir, owner, why);
      // Two processes racing for one stale lock: the O_EXCL create above picks the winner.
      if (tries > 2) throw new DataDirLockedError(dir, owner ?? { ...me, pid: -1 }, why);
      await unlink(path).catch(() => undefined);
    }
  }
  return {
    async release() {
      const owner = await readOwner(path);
      if (owner?.pid === me.pid && owner.startedAt === me.startedAt) await unlink(path);
    },
  };
}
