import { open } from 'node:fs/promises';

/**
 * fsync a directory, so that a file created, renamed or removed in it survives power loss: the
 * file's own fsync does not persist its directory entry.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
