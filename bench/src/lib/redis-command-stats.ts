import type { Redis } from '@edge/common';

/** Calls per command since the server started (`INFO commandstats`), e.g. `{ evalsha: 120 }`. */
export async function commandCalls(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const [, command, count] = match;
    if (command && count) calls[command] = Number(count);
  }
  return calls;
}

/** What each command was called between two samples, without the sampling's own INFO. */
export function callsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [command, count] of Object.entries(after)) {
    const n = count - (before[command] ?? 0) - (command === 'info' ? 1 : 0);
    if (n > 0) delta[command] = n;
  }
  return delta;
}
