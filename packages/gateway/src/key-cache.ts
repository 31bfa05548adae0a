import { AppError, ErrorCode } from '@edge/common';
import { LRUCache } from 'lru-cache';
import { KEY_CACHE_TTL_MS, KEY_STALE_IF_ERROR_MS } from './defaults.js';
import type { KeyStore, PartnerKeyRecord } from './key-store.js';

export interface KeyCacheOptions {
  /** How long a record is used without asking the store; bounds revocation delay. Default 500 ms. */
  ttlMs?: number;
  /** How long a last-known record may serve while the store is unreachable; default 5 min. */
  staleIfErrorMs?: number;
}

interface Entry {
  record: PartnerKeyRecord | undefined;
  at: number;
}

/**
 * Reads of the key store, cached briefly so the hot path rarely touches Redis or disk, yet a
 * revocation reaches every gateway within the TTL (500 ms, inside the 1 s promise) without a
 * pub/sub channel to keep alive. While the store is down, known keys keep working for a while
 * (a revocation then waits for the store); unknown keys get 503, never a 500.
 */
export function cachedKeyStore(store: KeyStore, options: KeyCacheOptions = {}): KeyStore {
  const ttlMs = options.ttlMs ?? KEY_CACHE_TTL_MS;
  const staleMs = options.staleIfErrorMs ?? KEY_STALE_IF_ERROR_MS;
  const cache = new LRUCache<string, Entry>({ max: 10_000 });
  return {
    ...store,
    get: async (keyId) => {
      const hit = cache.get(keyId);
      const now = Date.now();
      if (hit && now - hit.at < ttlMs) return hit.record;
      try {
        const record = await store.get(keyId);
        cache.set(keyId, { record, at: now });
        return record;
      } catch (err) {
        if (hit && now - hit.at < staleMs) return hit.record;
        throw new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, 'Key store unavailable', {
          cause: err,
          headers: { 'retry-after': '1' },
        });
      }
    },
  };
}
