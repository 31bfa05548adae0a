import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { redisAlertMemory } from '../src/alert-memory';
import type { AlertChannel } from '../src/alerts';
import { createLogger } from '../src/logger';
import { DEFAULT_REDIS_URL, Redis } from '../src/redis';
import { AGE_ALERT_RESOLVE_SHARE, startPeriodic, ThresholdAlert } from '../src/threshold-alert';

function recordingChannel(failFirst = 0) {
  const sent: object[] = [];
  let failures = failFirst;
  const channel: AlertChannel = {
    send: async (payload) => {
      if (failures > 0) {
        failures--;
        return false;
      }
      sent.push(payload);
      return true;
    },
  };
  return { channel, sent };
}

const log = createLogger({ service: 'test', level: 'silent' });

describe('threshold alert', () => {
  it('fires once when crossed, again after repeatMs, and resolves once when it clears', async () => {
    const { channel, sent } = recordingChannel();
    const alert = new ThresholdAlert({ name: 'test alert', channel, log, repeatMs: 1000 });
    const payload = (state: string) => ({ state });
    await alert.update(true, 0, payload);
    await alert.update(true, 500, payload);
    await alert.update(true, 1000, payload);
    await alert.update(false, 1100, payload);
    await alert.update(false, 1200, payload);
    expect(sent).toEqual([{ state: 'firing' }, { state: 'firing' }, { state: 'resolved' }]);
  });

  it('an alert given a lower bar to clear stays firing until it clears it (a draining backlog pages once)', async () => {
    const { channel, sent } = recordingChannel();
    const alert = new ThresholdAlert({ name: 'age alert', channel, log, repeatMs: 60_000 });
    const payload = (state: string) => ({ state });
    // Oldest age against a 300 s threshold resolving below 240 s, as refunds drain.
    for (const [t, age] of [
      [0, 301],
      [1_000, 296],
      [2_000, 301],
      [3_000, 250],
      [4_000, 200],
    ] as const) {
      await alert.update(age >= 300, t, payload, age < 300 * AGE_ALERT_RESOLVE_SHARE);
    }
    expect(sent).toEqual([{ state: 'firing' }, { state: 'resolved' }]);
  });

  it('a failed delivery is tried again on the next evaluation, not counted as sent', async () => {
    const { channel, sent } = recordingChannel(1);
    const alert = new ThresholdAlert({ name: 'test alert', channel, log, repeatMs: 60_000 });
    await alert.update(true, 0, (state) => ({ state }));
    expect(sent).toEqual([]);
    await alert.update(true, 10, (state) => ({ state }));
    expect(sent).toEqual([{ state: 'firing' }]);
  });
});

describe('threshold alert shared by processes that take turns delivering it (Redis)', () => {
  const redis = new Redis(process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL);
  const key = `alert-memory-test:${randomUUID()}`;
  afterAll(async () => {
    await redis.del(key);
    await redis.quit();
  });

  it('the next leader resolves what the last one fired, and does not fire it again within repeatMs', async () => {
    const { channel, sent } = recordingChannel();
    const memories = redisAlertMemory(redis, key);
    // Two processes, each with its own alert object; only the leader of the moment updates it.
    const first = new ThresholdAlert({
      name: 'test alert',
      channel,
      log,
      repeatMs: 60_000,
      memory: memories('dlq'),
    });
    const next = new ThresholdAlert({
      name: 'test alert',
      channel,
      log,
      repeatMs: 60_000,
      memory: memories('dlq'),
    });
    const payload = (state: string) => ({ state });
    await first.update(true, 0, payload);
    await next.update(true, 10_000, payload);
    expect(sent).toEqual([{ state: 'firing' }]);
    await next.update(true, 60_000, payload);
    expect(sent).toEqual([{ state: 'firing' }, { state: 'firing' }]);
    await next.update(false, 70_000, payload);
    await first.update(false, 80_000, payload);
    expect(sent).toEqual([{ state: 'firing' }, { state: 'firing' }, { state: 'resolved' }]);
    // Another alert in the same hash is its own.
    const other = new ThresholdAlert({
      name: 'other',
      channel,
      log,
      repeatMs: 60_000,
      memory: memories('age'),
    });
    await other.update(false, 90_000, payload);
    expect(sent).toHaveLength(3);
  });
});

describe('periodic task', () => {
  it('keeps ticking after a failed run and stops cleanly', async () => {
    let runs = 0;
    const errors: unknown[] = [];
    let reachedThree: () => void = () => {};
    const three = new Promise<void>((resolve) => {
      reachedThree = resolve;
    });
    const periodic = startPeriodic(
      1,
      async () => {
        runs++;
        if (runs === 3) reachedThree();
        if (runs === 1) throw new Error('first run fails');
      },
      (err) => errors.push(err),
    );
    await three;
    await periodic.stop();
    const after = runs;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs).toBe(after);
    expect(errors).toHaveLength(1);
  });
});
