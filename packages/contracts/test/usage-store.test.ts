import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFailFastRedis, DEFAULT_REDIS_URL, unlinkKeysMatching } from '@edge/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// Not @edge/testkit: it depends on the BFF runtime, which depends on this package.
const REDIS_URL = process.env['REDIS_URL'] ?? DEFAULT_REDIS_URL;

import {
  createFileUsageStore,
  createRedisUsageStore,
  HOUR_MS,
  type UsageStore,
  usageEvents,
} from '../src/index.js';

const H0 = Date.parse('2026-11-30T08:00:00Z');

function describeUsageStore(
  kind: string,
  open: () => { store: UsageStore; dispose(): Promise<void> },
) {
  describe(`${kind} usage store`, () => {
    let opened: ReturnType<typeof open>;
    beforeEach(() => {
      opened = open();
    });
    afterEach(async () => {
      await opened.dispose();
    });

    it('adds up per partner, key and hour; reads a range of hours, optionally one partner', async () => {
      const { store } = opened;
      await store.add([
        { partner: 'partner-acme', keyId: 'k1', hour: H0, requests: 2, cost: 5 },
        { partner: 'partner-acme', keyId: 'k2', hour: H0, requests: 1, cost: 1 },
        { partner: 'partner-zeta', keyId: 'k3', hour: H0 + HOUR_MS, requests: 4, cost: 8 },
      ]);
      await store.add([{ partner: 'partner-acme', keyId: 'k1', hour: H0, requests: 3, cost: 7 }]);
      const acme = await store.read({ partner: 'partner-acme', from: H0, to: H0 + 2 * HOUR_MS });
      expect(acme).toEqual([
        { partner: 'partner-acme', keyId: 'k1', hour: H0, requests: 5, cost: 12 },
        { partner: 'partner-acme', keyId: 'k2', hour: H0, requests: 1, cost: 1 },
      ]);
      const later = await store.read({ from: H0 + 30 * 60_000, to: H0 + 2 * HOUR_MS });
      expect(later.map((u) => u.partner).sort()).toEqual([
        'partner-acme',
        'partner-acme',
        'partner-zeta',
      ]);
      expect(await store.read({ from: H0 + HOUR_MS, to: H0 + 2 * HOUR_MS })).toEqual([
        { partner: 'partner-zeta', keyId: 'k3', hour: H0 + HOUR_MS, requests: 4, cost: 8 },
      ]);
      await expect(store.read({ from: 0, to: H0 })).rejects.toThrow(RangeError);
    });

    it('prune deletes the hours that started before the date, and only those', async () => {
      const { store } = opened;
      await store.add([
        { partner: 'partner-acme', keyId: 'k1', hour: H0, requests: 1, cost: 1 },
        { partner: 'partner-acme', keyId: 'k1', hour: H0 + HOUR_MS, requests: 2, cost: 2 },
      ]);
      expect(await store.prune(H0 + HOUR_MS + 60_000)).toBe(1);
      expect(await store.read({ from: H0, to: H0 + 2 * HOUR_MS })).toEqual([
        { partner: 'partner-acme', keyId: 'k1', hour: H0 + HOUR_MS, requests: 2, cost: 2 },
      ]);
    });
  });
}

describeUsageStore('file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-usage-'));
  return {
    store: createFileUsageStore(dir),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describeUsageStore('redis', () => {
  const prefix = `test:usage:${randomUUID()}`;
  const redis = createFailFastRedis(REDIS_URL, { enableOfflineQueue: true });
  return {
    store: createRedisUsageStore(redis, prefix),
    dispose: async () => {
      await unlinkKeysMatching(redis, `${prefix}*`);
      redis.disconnect();
    },
  };
});

describe('usage as CloudEvents', () => {
  it('one event per key and hour, its id the key and the hour, the partner as subject', () => {
    const [event] = usageEvents(
      [{ partner: 'partner-acme', keyId: 'k1', hour: H0, requests: 5, cost: 12 }],
      'edge-gateway',
    );
    expect(event).toEqual({
      specversion: '1.0',
      id: 'partner-acme/k1/2026-11-30T08:00:00.000Z',
      source: 'edge-gateway',
      type: 'com.edge.partner.usage',
      subject: 'partner-acme',
      time: '2026-11-30T08:00:00.000Z',
      datacontenttype: 'application/json',
      data: { keyId: 'k1', hour: '2026-11-30T08:00:00.000Z', requests: 5, cost: 12 },
    });
  });
});
