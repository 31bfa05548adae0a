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
import type { BucketLimit, TokenBucketStore } from './token-bucket.js';

export interface PacedProviderClientOptions {
  inner: ProviderClient;
  /** Shared buckets (Redis) or this process's own (embedded mode). */
  buckets: TokenBucketStore;
  limits: Readonly<Record<ProviderName, BucketLimit>>;
  log: Logger;
  /** Told of every call held back, and of every 429 that paused a route (metrics). */
  onPaced?: (provider: ProviderName, priority: CallPriority) => void;
  onThrottled?: (provider: ProviderName, route: string, pauseMs: number) => void;
  now?: () => number;
}

/** The bucket of a provider, or of one account at that provider (limits are per account). */
export function bucketKey(request: Pick<ProviderRequest, 'provider' | 'account'>): string {
  return request.account ? `${request.provider}:${request.account}` : request.provider;
}

/**
 * The endpoint a call goes to, as limits are scoped: method and first path segment
 * (`POST /refunds`, `GET /charges` for `GET /charges/ch-1`). Bounded by the paths the saga
 * calls, never by ids, so it can key buckets and label metrics.
 */
export function routeOf(request: Pick<ProviderRequest, 'method' | 'path'>): string {
  const segment =
    request.path
      .split(/[?#]/, 1)[0]
      ?.split('/')
      .find((s) => s !== '') ?? '';
  return `${request.method} /${segment}`;
}

/** The bucket of one route of a provider (or account): `payment:POST /refunds`. */
export function routeBucketKey(
  request: Pick<ProviderRequest, 'provider' | 'account' | 'method' | 'path'>,
): string {
  return `${bucketKey(request)}:${routeOf(request)}`;
}

/** A route bucket's state is asked at most this often per process while it refuses calls. */
const ROUTE_STATE_TTL_MS = 1_000;

/**
 * Paces calls to each provider at its published rate, across every process sharing the bucket
 * store. A call without a token never leaves: it answers `not_sent` / `paced`, which is not an
 * attempt, and the engine comes back after `retryAfterMs` plus jitter.
 *
 * Each call takes two tokens: one from its route's bucket, then one from the provider's. A 429
 * pauses only the route that answered it, until its Retry-After, and halves that route's rate,
 * which then climbs back (AIMD): providers scope limits per endpoint as often as per account,
 * and a refund endpoint throttled for 30 s must not stop every charge. The provider's bucket
 * keeps all routes together at the published rate (and serves compensations first). The route
 * token comes first, so a paused route spends nothing of the provider's rate. A limit that
 * really is account-wide costs one 429 per route per window before each route has learned it.
 *
 * When the shared store fails, pacing falls back to a bucket in this process rather than
 * stopping every refund or letting the herd through unpaced; it says so in the log.
 */
export class PacedProviderClient implements ProviderClient {
  private readonly fallback = new MemoryTokenBucket();
  private readonly now: () => number;
  private degraded = false;
  /** Why each route bucket last refused: asked of the store at most once a second. */
  private readonly routeStates = new Map<string, { checkedAt: number; throttled: boolean }>();

  constructor(private readonly options: PacedProviderClientOptions) {
    this.now = options.now ?? Date.now;
  }

  async call(request: ProviderRequest): Promise<CallOutcome> {
    const { provider, priority } = request;
    const limit = this.options.limits[provider];
    const routeKey = routeBucketKey(request);
    const routeToken = await this.withFallback((b) =>
      b.take(routeKey, limit, priority, this.now()),
    );
    if (!routeToken.granted) {
      this.options.onPaced?.(provider, priority);
      const throttled = await this.throttledRoute(routeKey, limit);
      return {
        kind: 'not_sent',
        reason: 'paced',
        retryAfterMs: routeToken.retryAfterMs,
        ...(throttled ? { throttledRoute: routeOf(request) } : {}),
      };
    }
    const token = await this.withFallback((b) =>
      b.take(bucketKey(request), limit, priority, this.now()),
    );
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
      await this.withFallback((b) => b.throttle(routeKey, limit, pauseMs, this.now()));
      this.routeStates.set(routeKey, { checkedAt: this.now(), throttled: true });
      this.options.onThrottled?.(provider, routeOf(request), pauseMs);
    }
    return outcome;
  }

  /**
   * Whether a route refused because of its own 429 (paused, or its rate still below the
   * published one after the decrease) rather than because it alone used up the published rate:
   * what the operator is told. Asked of the store, since the 429 may have reached another
   * process; once a second per route at most, the answer only words a deferral.
   */
  private async throttledRoute(routeKey: string, limit: BucketLimit): Promise<boolean> {
    const now = this.now();
    const known = this.routeStates.get(routeKey);
    if (known && now - known.checkedAt < ROUTE_STATE_TTL_MS) return known.throttled;
    let throttled = false;
    try {
      const state = await this.withFallback((b) => b.state(routeKey, limit, now));
      throttled = state.pausedUntil > now || state.ratePerSec < limit.ratePerSec;
    } catch {
      // Only the wording depends on it: say "paced" rather than fail the call.
    }
    this.routeStates.set(routeKey, { checkedAt: now, throttled });
    return throttled;
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
