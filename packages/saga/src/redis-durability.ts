import type { RedisClient } from '@edge/common';

/**
 * How far a saga transition must have travelled before the store acknowledges it. A transition
 * is the write-ahead record of money moving ("about to refund with key K"): if the primary
 * fails over after acknowledging it but before a replica or the AOF has it, the new primary
 * forgets the intent and nobody resumes the refund.
 *
 * - `none`: acknowledged once the primary applied it (a single node's `appendfsync` decides the rest).
 * - `replicas`: `WAIT n` — at least n replicas received it (survives losing the primary).
 * - `aof`: `WAITAOF 1 n` — fsynced to the primary's AOF and, with n > 0, to n replicas' AOF
 *   (Redis >= 7.2; survives a crash of every node that acknowledged).
 */
export type SagaDurability =
  | { mode: 'none' }
  | { mode: 'replicas'; replicas: number; timeoutMs: number }
  | { mode: 'aof'; replicas: number; timeoutMs: number };

export const DEFAULT_SAGA_DURABILITY: SagaDurability = Object.freeze({ mode: 'none' });

/** Default wait for acknowledgements before a transition counts as not durable. */
export const DEFAULT_DURABILITY_TIMEOUT_MS = 1_000;

/**
 * The transition was applied on the primary but not acknowledged by enough replicas or AOFs in
 * time. The worker stops driving the saga (no provider call is made on an intent that could be
 * lost); its lease lapses and the saga is picked up again, re-sending with the same key.
 */
export class SagaNotDurableError extends Error {
  readonly code = 'SAGA_NOT_DURABLE';
  constructor(
    readonly durability: Exclude<SagaDurability, { mode: 'none' }>,
    readonly acknowledged: string,
  ) {
    super(`saga transition not durable: ${describeDurability(durability)}, got ${acknowledged}`);
    this.name = 'SagaNotDurableError';
  }
}

/** `none`, `replicas:2`, `aof`, `aof+replicas:1`, as written in SAGA_REDIS_DURABILITY. */
export function parseDurability(
  value: string,
  timeoutMs = DEFAULT_DURABILITY_TIMEOUT_MS,
): SagaDurability {
  const text = value.trim();
  if (text === 'none') return DEFAULT_SAGA_DURABILITY;
  if (text === 'aof') return { mode: 'aof', replicas: 0, timeoutMs };
  const replicas = /^(aof\+)?replicas:([1-9][0-9]*)$/.exec(text);
  if (!replicas) {
    throw new Error(`expected none, replicas:<n>, aof or aof+replicas:<n>; got "${value}"`);
  }
  const n = Number(replicas[2]);
  return replicas[1]
    ? { mode: 'aof', replicas: n, timeoutMs }
    : { mode: 'replicas', replicas: n, timeoutMs };
}

export function describeDurability(durability: SagaDurability): string {
  switch (durability.mode) {
    case 'none':
      return 'none';
    case 'replicas':
      return `replicas:${durability.replicas}`;
    case 'aof':
      return durability.replicas > 0 ? `aof+replicas:${durability.replicas}` : 'aof';
  }
}

/**
 * Block until this connection's writes so far meet `durability`. WAIT and WAITAOF count the
 * writes of the connection they are sent on, which is why the store sends them on its own
 * single-node client (on a Redis Cluster the wait would land on an arbitrary node: refused at
 * configuration time).
 */
export async function awaitDurability(
  redis: RedisClient,
  durability: SagaDurability,
): Promise<void> {
  switch (durability.mode) {
    case 'none':
      return;
    case 'replicas': {
      const acked = Number(await redis.call('WAIT', durability.replicas, durability.timeoutMs));
      if (acked < durability.replicas) {
        throw new SagaNotDurableError(durability, `${acked} replica(s)`);
      }
      return;
    }
    case 'aof': {
      const [local, replicas] = (await redis.call(
        'WAITAOF',
        1,
        durability.replicas,
        durability.timeoutMs,
      )) as [number, number];
      if (local < 1 || replicas < durability.replicas) {
        throw new SagaNotDurableError(durability, `local ${local}, replicas ${replicas}`);
      }
      return;
    }
  }
}

/**
 * Refuse to start with a durability the server cannot give: WAITAOF exists from Redis 7.2 on,
 * and an unknown command would otherwise fail every transition at run time.
 */
export async function assertDurabilitySupported(
  redis: RedisClient,
  durability: SagaDurability,
): Promise<void> {
  if (durability.mode !== 'aof') return;
  try {
    await redis.call('WAITAOF', 1, 0, 1);
  } catch (err) {
    throw new Error(
      `SAGA_REDIS_DURABILITY=${describeDurability(durability)} needs WAITAOF (Redis >= 7.2 with appendonly yes): ${(err as Error).message}`,
    );
  }
}
