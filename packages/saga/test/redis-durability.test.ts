import { randomUUID } from 'node:crypto';
import { createLogger, Redis } from '@edge/common';
import { startPrivateRedis, waitUntil } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertDurabilitySupported,
  parseDurability,
  SagaNotDurableError,
} from '../src/redis-durability';
import { RedisSagaStore } from '../src/redis-saga-store';
import { SagaEngine } from '../src/saga-engine';
import { resolvePolicies } from '../src/saga-policies';
import { InMemoryProviders } from './in-memory-providers';

type Private = Awaited<ReturnType<typeof startPrivateRedis>>;
const input = { userId: 'u-1', partnerId: null, items: [{ productId: 'p-1', quantity: 1 }] };

describe('saga transitions acknowledged only once durable (SAGA_REDIS_DURABILITY)', () => {
  let primary: Private;
  let replica: Private;
  let redis: Redis;
  beforeAll(async () => {
    primary = await startPrivateRedis();
    replica = await startPrivateRedis(['--replicaof', '127.0.0.1', String(primary.port)]);
    redis = new Redis(primary.url);
    // Listed as soon as it connects; it acknowledges writes only once its first sync is done.
    await waitUntil('the replica online', async () =>
      /slave0:.*state=online/.test(await redis.info('replication')),
    );
  });
  afterAll(async () => {
    redis?.disconnect();
    await replica?.kill();
    await primary?.kill();
  });

  it('replicas:1 — transitions wait for the replica; with the replica gone a transition fails SAGA_NOT_DURABLE and no provider is called on the intent', async () => {
    const store = new RedisSagaStore({
      redis,
      prefix: `durable:${randomUUID()}:`,
      durability: parseDurability('replicas:1', 200),
    });
    const providers = new InMemoryProviders();
    const engine = new SagaEngine({
      store,
      providers,
      policies: resolvePolicies(),
      log: createLogger({ service: 'saga-test', level: 'silent' }),
    });
    const { saga } = await engine.start(`client-${randomUUID()}`, input);
    const onReplica = new Redis(replica.url);
    expect(await onReplica.exists(`${store.keyHead}saga:${saga.id}`)).toBe(1);
    onReplica.disconnect();

    await replica.kill();
    await waitUntil('the replica gone', async () =>
      /connected_slaves:0/.test(await redis.info('replication')),
    );
    const failure = await engine.drive(saga.id).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(SagaNotDurableError);
    expect((failure as SagaNotDurableError).code).toBe('SAGA_NOT_DURABLE');
    expect(providers.calls).toEqual([]);
  });

  it('aof on a server without WAITAOF (Redis < 7.2 or appendonly no) is refused at start, not at the first transition', async () => {
    await expect(assertDurabilitySupported(redis, parseDurability('aof'))).rejects.toThrow(
      /SAGA_REDIS_DURABILITY=aof needs WAITAOF/,
    );
  });

  it('parses the documented values and refuses anything else', () => {
    expect(parseDurability('none')).toEqual({ mode: 'none' });
    expect(parseDurability('replicas:2', 500)).toEqual({
      mode: 'replicas',
      replicas: 2,
      timeoutMs: 500,
    });
    expect(parseDurability('aof+replicas:1', 500)).toEqual({
      mode: 'aof',
      replicas: 1,
      timeoutMs: 500,
    });
    expect(() => parseDurability('replicas:0')).toThrow(/expected none, replicas:<n>/);
    expect(() => parseDurability('always')).toThrow(/expected none/);
  });
});
