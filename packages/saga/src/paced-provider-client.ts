import type { Logger } from '@edge/common';
import { MemoryTokenBucket } from './memory-token-bucket.js';
import { DEFAULT_THROTTLE_PAUSE_MS, MAX_THROTTLE_PAUSE_MS } from './pacing-policy.js';
import type {
  CallOutcome,
  CallPriority,
  ProviderClient,
  ProviderName,
  ProviderRequest,
} from './provider-client.js';
import type { BucketLimit, TakeResult, TokenBucketStore } from './token-bucket.js';

export interface PacedProviderClientOptions {
  inner: ProviderClient;
  /** Shared buckets (Redis) or this process's own (embedded mode). */
  buckets: TokenBucketStore;
  limits: Readonly<Record<ProviderName, BucketLimit>>;
  log: Logger;
  /** Told of every call held back, and of every 429 that paused a provider (metrics). */
  onPaced?: (provider: ProviderName, priority: CallPriority) => void;
  onThrottled?: (provider: ProviderName, pauseMs: number) => void;
  now?: () => number;
}

/** The bucket of a provider, or of one account at that provider (limits are per account). */
export function bucketKey(request: Pick<ProviderRequest, 'provider' | 'account'>): string {
  return request.account ? `${request.provider}:${request.account}` : request.provider;
}

/**
 * Paces calls to each provider at its published rate, across every process sharing the bucket
 * store. A call without a token never leaves: it answers `not_sent` / `paced`, which is not an
 * attempt, and the engine comes back after `retryAfterMs` plus jitter. A 429 pauses the provider
 * for everyone until its Retry-After and halves the rate, which then climbs back (AIMD).
 *
 * When the shared store fails, pacing falls back to a bucket in this process rather than
 * stopping every refund or letting the herd through unpaced; it says so in the log.
 */
export class PacedProviderClient implements ProviderClient {
  private readonly fallback = new MemoryTokenBucket();
  private readonly now: () => number;
  private degraded = false;

  constructor(private readonly options: PacedProviderClientOptions) {
    this.now = options.now ?? Date.now;
  }

  async call(request: ProviderRequest): Promise<CallOutcome> {
    const { provider, priority } = request;
    const token = await this.take(request);
    if (!token.granted) {
      this.options.onPaced?.(provider, priority);
      return { kind: 'not_sent', reason: 'paced', retryAfterMs: token.retryAfterMs };
    }
    const outcome = await this.options.inner.call(request);
    if (
      outcome.kind === 'retryable' &&
      'status' in outcome.answer &&
      outcome.answer.status === 429
    ) {
      const pauseMs = Math.min(
        outcome.retryAfterMs ?? DEFAULT_THROTTLE_PAUSE_MS,
        MAX_THROTTLE_PAUSE_MS,
      );
      await this.withFallback((b) =>
        b.throttle(bucketKey(request), this.options.limits[provider], pauseMs, this.now()),
      );
      this.options.onThrottled?.(provider, pauseMs);
    }
    return outcome;
  }

  private take(request: ProviderRequest): Promise<TakeResult> {
    const limit = this.options.limits[request.provider];
    return this.withFallback((b) =>
      b.take(bucketKey(request), limit, request.priority, this.now()),
    );
  }

  private async withFallback<T>(use: (buckets: TokenBucketStore) => Promise<T>): Promise<T> {
    try {
      const result = await use(this.options.buckets);
      if (this.degraded) {
        this.degraded = false;
        this.options.log.info('provider pacing shared again');
      }
      return result;
    } catch (err) {
      if (!this.degraded) {
        this.degraded = true;
        this.options.log.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'provider pacing store failed: pacing per process until it answers',
        );
      }
      return use(this.fallback);
    }
  }

  async close(): Promise<void> {
    await this.options.inner.close();
  }
}
