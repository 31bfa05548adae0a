import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** Compositions kept on disk; the oldest are deleted when one more is written. */
export const COMPOSITION_CACHE_FILES = 64;

// A composition is a function of the composer's version and its input, nothing else.
const COMPOSER_VERSION = (
  createRequire(import.meta.url)('@apollo/gateway/package.json') as { version: string }
).version;

export interface CompositionInput {
  surface: string;
  sdl: string;
}

export interface CompositionCache {
  get(input: CompositionInput): Promise<string | undefined>;
  put(input: CompositionInput, apiSdl: string): Promise<void>;
}

/**
 * API schemas already composed, as files named by the hash of what they were composed from, so
 * a gateway that restarts (a rolling deploy, a test's fresh gateway) against a schema some
 * gateway on the machine composed before needs no composer process. Used only in a directory
 * this user owns and others cannot write; otherwise, and on any file error, every schema is
 * composed. Writes are atomic (a file renamed into place).
 */
export function createCompositionCache(dir: string): CompositionCache {
  const usable = ownPrivateDir(dir);
  const fileOf = (input: CompositionInput) =>
    join(
      dir,
      `${createHash('sha256').update(`${COMPOSER_VERSION}\n${input.surface}\n${input.sdl}`).digest('hex')}.graphql`,
    );
  return {
    get: async (input) => {
      if (!(await usable)) return undefined;
      return readFile(fileOf(input), 'utf8').catch(() => undefined);
    },
    put: async (input, apiSdl) => {
      if (!(await usable)) return;
      const file = fileOf(input);
      const partial = `${file}.${process.pid}.partial`;
      try {
        await writeFile(partial, apiSdl, { mode: 0o600 });
        await rename(partial, file);
        await prune(dir);
      } catch {
        await unlink(partial).catch(() => {});
      }
    },
  };
}

async function ownPrivateDir(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const info = await stat(dir);
    const mine = process.getuid === undefined || info.uid === process.getuid();
    return info.isDirectory() && mine && (info.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

async function prune(dir: string): Promise<void> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.graphql'));
  if (names.length <= COMPOSITION_CACHE_FILES) return;
  const aged = await Promise.all(
    names.map(async (name) => ({ name, mtimeMs: (await stat(join(dir, name))).mtimeMs })),
  );
  aged.sort((a, b) => b.mtimeMs - a.mtimeMs);
  await Promise.all(
    aged.slice(COMPOSITION_CACHE_FILES).map(({ name }) => unlink(join(dir, name)).catch(() => {})),
  );
}
