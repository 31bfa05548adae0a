import { resolve } from 'node:path';
import { describeRedisTarget, resolveStoreKind, type StoreKind } from '@edge/common';
import type { CommandContext } from './command.js';

/**
 * Decide where `what` (partner keys, client contracts, usage) is kept and say so on stderr. The
 * CLI decides by its own shell's STORE_MODE and REDIS_URL, not by what the running stack chose:
 * an operator whose stack ran embedded but whose shell found a Redis wrote a key the gateway
 * never saw. The line names the store, so such a mismatch shows before the 401 does.
 */
export async function chooseStore(
  ctx: CommandContext,
  what: string,
  file: string,
): Promise<StoreKind> {
  const { storeMode, redis } = ctx.config;
  const kind = await resolveStoreKind(storeMode, redis, ctx.log);
  const redisAt = `Redis at ${describeRedisTarget(redis)}`;
  ctx.say(
    kind === 'redis'
      ? `${what}: stored in ${redisAt} (STORE_MODE=${storeMode})`
      : `${what}: stored in ${resolve(file)} (STORE_MODE=${storeMode}${storeMode === 'auto' ? `, no ${redisAt} answered` : ''})`,
  );
  return kind;
}
