import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

/**
 * CPU profile of this process around one phase of a benchmark (`node --cpu-prof` covers the
 * whole run: startup, warm-up and the other phases). Written as a `.cpuprofile` for DevTools or
 * any profile reader; nothing when `file` is undefined.
 */
export async function profiled<T>(file: string | undefined, phase: () => Promise<T>): Promise<T> {
  if (file === undefined) return phase();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await phase();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
  }
}
