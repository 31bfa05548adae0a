import { sha256Hex } from '@edge/contracts';
import { describe, expect, it } from 'vitest';
import { APQ_CACHE_BYTES } from '../src/defaults';
import { createPersistedQueries } from '../src/persisted-queries';

const request = (query: string | undefined, persistedHash: string) => ({
  query,
  persistedHash,
  operationName: undefined,
  variables: undefined,
});

describe('automatic persisted queries', () => {
  it('registered text is bounded in bytes: 64 KB documents from any client cannot fill the gateway', () => {
    const resolve = createPersistedQueries({ apq: true });
    const padding = `#${'x'.repeat(64 * 1024)}\n`;
    const documents = Array.from({ length: 2 * (APQ_CACHE_BYTES / (64 * 1024)) }, (_, i) => {
      const query = `${padding}{ __typename } # ${i}`;
      return { query, hash: sha256Hex(query) };
    });
    // Registered as the edge registers them: once each passed validation.
    for (const { query, hash } of documents) resolve(request(query, hash)).remember?.();

    const registered = documents.filter(({ hash }) => {
      try {
        return resolve(request(undefined, hash)).query.length > 0;
      } catch {
        return false;
      }
    });
    // Without the byte bound all 512 (32 MB) stayed; the newest half fits in 16 MiB.
    expect(registered.length).toBeLessThan(documents.length / 2 + 1);
    expect(registered.at(-1)?.hash).toBe(documents.at(-1)?.hash);
  });
});
