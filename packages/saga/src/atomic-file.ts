import { randomBytes } from 'node:crypto';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir } from '@edge/common';

/**
 * Replace `path` with `contents` so that a reader (or a process restarted after kill -9) sees
 * either the old or the new file, never a torn one: write a temporary file beside it, then
 * rename, which is atomic within a directory. `fsync` (file, then directory after the rename)
 * also survives power loss, at a cost.
 */
export async function writeFileAtomic(
  path: string,
  contents: string,
  fsync: boolean,
): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(contents, 'utf8');
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  if (fsync) await fsyncDir(dirname(path));
}
