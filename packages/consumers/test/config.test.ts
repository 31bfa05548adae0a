import { describe, expect, it } from 'vitest';
import { loadConsumersConfig } from '../src/config';

describe('consumers configuration', () => {
  it('defaults: 16 entries a round for 16 at once, transient failures retried for 24 h with backoff capped at 30 s', () => {
    const { runtime } = loadConsumersConfig({});
    expect(runtime).toMatchObject({
      batch: 16,
      concurrency: 16,
      retryDelayMs: 1_000,
      retryMaxDelayMs: 30_000,
      retryHorizonMs: 24 * 3_600_000,
      maxDeliveries: 5,
    });
  });

  it('a batch larger than the concurrency is refused: entries read but waiting for a slot would be claimed by a peer', () => {
    expect(() => loadConsumersConfig({ CONSUMER_BATCH: '50' })).toThrow(
      'CONSUMER_BATCH must not exceed CONSUMER_CONCURRENCY',
    );
    expect(
      loadConsumersConfig({ CONSUMER_BATCH: '50', CONSUMER_CONCURRENCY: '50' }).runtime,
    ).toMatchObject({ batch: 50, concurrency: 50 });
  });

  it('each refusal is its own line: a claim idle time within the handler timeout, a backoff cap below its base', () => {
    expect(() =>
      loadConsumersConfig({
        CONSUMER_CLAIM_IDLE_MS: '5000',
        CONSUMER_RETRY_MAX_DELAY_MS: '500',
      }),
    ).toThrow(
      'Invalid configuration:\n  CONSUMER_CLAIM_IDLE_MS must exceed CONSUMER_HANDLER_TIMEOUT_MS\n  CONSUMER_RETRY_MAX_DELAY_MS must not be below CONSUMER_RETRY_DELAY_MS',
    );
  });
});
