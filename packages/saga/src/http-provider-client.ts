import {
  type BreakerState,
  breakerStateOf,
  isDefiniteRefusal,
  isProviderRefusal,
  parseProviderBody,
  parseRetryAfterMs,
  rateLimitWaitMs,
} from '@edge/upstream';
import CircuitBreaker from 'opossum';
import { Agent, request } from 'undici';
import type {
  CallOutcome,
  ProviderClient,
  ProviderName,
  ProviderRequest,
} from './provider-client.js';
import { PROVIDERS } from './provider-client.js';
import type { BreakerPolicy } from './saga-policies.js';

export interface HttpProviderClientOptions {
  /** Base URL per provider, e.g. `{ payment: 'http://127.0.0.1:4014', ... }`. */
  baseUrls: Readonly<Record<ProviderName, string>>;
  breaker: BreakerPolicy;
  /** Keep-alive connections per provider origin; default 64. */
  connections?: number;
  /** Told when a breaker opens, half-opens or closes (metrics, logs). */
  onBreakerState?: (provider: ProviderName, state: BreakerState) => void;
}

/** A non-2xx answer, thrown inside the breaker so that it can judge it. */
class ProviderHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`provider answered ${status}`);
    this.name = 'ProviderHttpError';
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function isBreakerOpen(error: unknown): boolean {
  return errorCode(error) === 'EOPENBREAKER';
}

/** Nothing was sent when the connection was refused, so nothing can have happened. */
function isConnectionRefused(error: unknown): boolean {
  return errorCode(error) === 'ECONNREFUSED' || errorCode(error) === 'UND_ERR_CONNECT_TIMEOUT';
}

type Action = (request: ProviderRequest) => Promise<{ status: number; body: unknown }>;

/**
 * The signal of one call: aborted by its timeout or by the caller's signal (a lost lease).
 * `AbortSignal.timeout` and `AbortSignal.any` would do the same, but their timer outlives the
 * call and fires later anyway (an exception object and abort events per call); this timer is
 * cleared as soon as the answer is read.
 */
function callSignal(req: ProviderRequest): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')),
    req.timeoutMs,
  );
  const outer = req.signal;
  const forward = () => controller.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  return {
    signal: controller.signal,
    done: () => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forward);
    },
  };
}

/**
 * HTTP to the services behind one opossum breaker per provider. It never retries: the engine
 * owns retries (one layer only) and their schedule survives restarts. There is deliberately no
 * fallback: a failed refund must stay a failure until it is done. The breaker's own timeout is
 * off because the request carries an AbortSignal that really cancels it.
 */
export class HttpProviderClient implements ProviderClient {
  private readonly agent: Agent;
  /** When each breaker last opened, to tell refused callers how long until its half-open probe. */
  private readonly openedAt = new Map<ProviderName, number>();
  private readonly breakers: Record<
    ProviderName,
    CircuitBreaker<[ProviderRequest], { status: number; body: unknown }>
  >;

  constructor(private readonly options: HttpProviderClientOptions) {
    this.agent = new Agent({ connections: options.connections ?? 64, keepAliveTimeout: 30_000 });
    const make = (provider: ProviderName) => {
      const breaker = new CircuitBreaker<[ProviderRequest], { status: number; body: unknown }>(
        this.send,
        {
          name: provider,
          timeout: false,
          resetTimeout: options.breaker.resetTimeoutMs,
          errorThresholdPercentage: options.breaker.errorThresholdPercentage,
          rollingCountTimeout: options.breaker.rollingCountTimeoutMs,
          volumeThreshold: options.breaker.volumeThreshold,
          // 409 already_refunded or in progress, 404, 400: answers, not outages; they must not
          // open the breaker.
          errorFilter: (error: unknown) =>
            error instanceof ProviderHttpError && isDefiniteRefusal(error.status),
        },
      );
      breaker.on('open', () => {
        this.openedAt.set(provider, Date.now());
        options.onBreakerState?.(provider, 'open');
      });
      breaker.on('halfOpen', () => options.onBreakerState?.(provider, 'half_open'));
      breaker.on('close', () => options.onBreakerState?.(provider, 'closed'));
      return breaker;
    };
    this.breakers = {
      order: make('order'),
      inventory: make('inventory'),
      payment: make('payment'),
      shipping: make('shipping'),
    };
  }

  private readonly send: Action = async (req) => {
    const url = new URL(req.path, this.options.baseUrls[req.provider]);
    const { signal, done } = callSignal(req);
    try {
      const response = await request(url, {
        method: req.method,
        dispatcher: this.agent,
        signal,
        headers: req.body ? { 'content-type': 'application/json' } : {},
        ...(req.body ? { body: JSON.stringify(req.body) } : {}),
      });
      const body = parseProviderBody(await response.body.text());
      if (response.statusCode >= 200 && response.statusCode < 300) {
        return { status: response.statusCode, body };
      }
      throw new ProviderHttpError(
        response.statusCode,
        body,
        parseRetryAfterMs(response.headers['retry-after']) ?? rateLimitWaitMs(response.headers),
      );
    } finally {
      done();
    }
  };

  async call(req: ProviderRequest): Promise<CallOutcome> {
    try {
      const answer = await this.breakers[req.provider].fire(req);
      return { kind: 'ok', answer };
    } catch (error) {
      if (error instanceof ProviderHttpError) {
        const answer = { status: error.status, body: error.body };
        if (isProviderRefusal(error.status, error.body)) return { kind: 'rejected', answer };
        return {
          kind: 'retryable',
          // The history keeps the Retry-After with the answer, so the page can say what was asked.
          answer:
            error.retryAfterMs === undefined
              ? answer
              : { ...answer, retryAfterMs: error.retryAfterMs },
          retryAfterMs: error.retryAfterMs,
          maybeApplied: error.status !== 429,
        };
      }
      if (isBreakerOpen(error)) {
        return { kind: 'not_sent', reason: 'breaker_open', retryAfterMs: this.untilProbe(req) };
      }
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return {
        kind: 'retryable',
        answer: { error: message },
        maybeApplied: !isConnectionRefused(error),
      };
    }
  }

  /**
   * How long a caller refused by an open breaker should stay away: until the half-open probe, or
   * (half-open, probe in flight) until that probe's answer at the latest.
   */
  private untilProbe(req: ProviderRequest): number {
    const opened = this.openedAt.get(req.provider) ?? Date.now();
    const remaining = opened + this.options.breaker.resetTimeoutMs - Date.now();
    return remaining > 0 ? remaining : req.timeoutMs;
  }

  /** Breaker states, for /metrics. */
  breakerStates(): Record<ProviderName, BreakerState> {
    const states = {} as Record<ProviderName, BreakerState>;
    for (const provider of PROVIDERS) {
      const breaker = this.breakers[provider];
      states[provider] = breakerStateOf(breaker);
    }
    return states;
  }

  async close(): Promise<void> {
    for (const provider of PROVIDERS) this.breakers[provider].shutdown();
    await this.agent.close();
  }
}
