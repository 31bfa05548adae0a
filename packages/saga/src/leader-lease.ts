import type { Logger, Periodic, RedisClient } from '@edge/common';
import { startPeriodic } from '@edge/common';

/** Who runs the once-per-cluster jobs (alert evaluation, reconciliation, housekeeping). */
export interface Leadership {
  /** True while this process holds the lease; checked at the start of each job run. */
  isLeader(): boolean;
  stop(): Promise<void>;
}

/** Embedded mode: the data-dir lock already makes this the only process. */
export const SOLE_LEADER: Leadership = Object.freeze({
  isLeader: () => true,
  stop: async () => {},
});

export interface RedisLeaderLeaseOptions {
  redis: RedisClient;
  /** The lease key, e.g. `saga:{saga}:leader`. */
  key: string;
  /** This process's name in the lease (the worker owner id). */
  owner: string;
  /** Lease length; renewed every third of it, so two missed renewals still hold it. */
  ttlMs: number;
  log: Logger;
}

/** Default lease of the leader: a dead leader is replaced within ten seconds. */
export const DEFAULT_LEADER_TTL_MS = 10_000;

// Renew only our own lease: a holder that paused past its TTL must not steal it back.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

const RESIGN = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * One leader among the saga processes sharing a Redis: `SET key owner NX PX ttl`, renewed by
 * compare-and-expire. Leadership is believed only until the lease would have run out since the
 * last successful renewal, so a process cut off from Redis stops acting as leader before anyone
 * else can take over.
 */
export class RedisLeaderLease implements Leadership {
  private validUntil = 0;
  private readonly periodic: Periodic;

  constructor(private readonly options: RedisLeaderLeaseOptions) {
    this.periodic = startPeriodic(
      Math.max(1, Math.floor(options.ttlMs / 3)),
      () => this.renew(),
      (err) => {
        this.validUntil = 0;
        options.log.warn({ err }, 'leader lease renewal failed');
      },
    );
  }

  isLeader(): boolean {
    return Date.now() < this.validUntil;
  }

  private async renew(): Promise<void> {
    const { redis, key, owner, ttlMs, log } = this.options;
    const startedAt = Date.now();
    const wasLeader = this.isLeader();
    const held =
      (await redis.eval(RENEW, 1, key, owner, String(ttlMs))) === 1 ||
      (await redis.set(key, owner, 'PX', ttlMs, 'NX')) === 'OK';
    this.validUntil = held ? startedAt + ttlMs : 0;
    if (held !== wasLeader)
      log.info({ owner, leader: held }, held ? 'became leader' : 'lost leadership');
  }

  async stop(): Promise<void> {
    await this.periodic.stop();
    const wasLeader = this.isLeader();
    this.validUntil = 0;
    if (wasLeader) {
      await this.options.redis.eval(RESIGN, 1, this.options.key, this.options.owner).catch(() => 0);
    }
  }
}
