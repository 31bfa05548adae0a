import CircuitBreaker from 'opossum';
import { BREAKER_STATE_VALUE, type BreakerState, breakerStateOf } from './breaker-state.js';
import { CallerShares, type Release, ShareRefused } from './caller-share.js';
import type { HttpClient, RequestOptions } from './http-client.js';
import { type NoAnswerReason, UpstreamError } from './upstream-error.js';
import type { UpstreamMetrics } from './upstream-metrics.js';
import { DEFAULT_UPSTREAM_POLICY, type UpstreamPolicy } from './upstream-policy.js';

export type BreakerOptions = Partial<
  Pick<
    UpstreamPolicy,
    | 'timeoutMs'
    | 'capacity'
    | 'callerShare'
    | 'callerQueue'
    | 'errorThresholdPercentage'
    | 'volumeThreshold'
    | 'resetTimeoutMs'
    | 'rollingCountTimeoutMs'
  >
> & {
  /** Where state, transitions and refusals are counted; none by default. */
  metrics?: UpstreamMetrics;
};

/**
 * opossum's timeout sits just behind the socket deadline of withTimeout, so the socket is
 * normally aborted first (and the capacity slot freed with it); it only catches a call that
 * ignores its signal.
 */
export const BREAKER_TIMEOUT_MARGIN_MS = 100;

export interface GuardedClient extends HttpClient {
  readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  state(): BreakerState;
}

/** opossum's codes for the calls it refuses or abandons itself. */
const REFUSALS: Readonly<Record<string, NoAnswerReason>> = {
  EOPENBREAKER: 'breaker_open',
  ETIMEDOUT: 'timeout',
};

/**
 * Put one opossum breaker in front of an upstream: it opens once `errorThresholdPercentage` of
 * at least `volumeThreshold` calls in the window failed, refuses calls at once while open, and
 * after `resetTimeoutMs` lets a single half-open probe through whose outcome closes or reopens
 * it. `capacity` bounds calls in flight, so a slow upstream cannot build an unbounded queue.
 * 4xx answers are the caller's fault and do not count against the upstream; nor do calls refused
 * for capacity, which never reached it.
 */
export function withBreaker(client: HttpClient, options: BreakerOptions = {}): GuardedClient {
  const { service } = client;
  const timeoutMs = options.timeoutMs ?? DEFAULT_UPSTREAM_POLICY.timeoutMs;
  const breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
    name: service,
    timeout: timeoutMs + BREAKER_TIMEOUT_MARGIN_MS,
    errorThresholdPercentage:
      options.errorThresholdPercentage ?? DEFAULT_UPSTREAM_POLICY.errorThresholdPercentage,
    volumeThreshold: options.volumeThreshold ?? DEFAULT_UPSTREAM_POLICY.volumeThreshold,
    resetTimeout: options.resetTimeoutMs ?? DEFAULT_UPSTREAM_POLICY.resetTimeoutMs,
    rollingCountTimeout:
      options.rollingCountTimeoutMs ?? DEFAULT_UPSTREAM_POLICY.rollingCountTimeoutMs,
    errorFilter: (err: unknown) => err instanceof UpstreamError && err.isClientError,
  });
  const state = (): BreakerState => breakerStateOf(breaker);

  const { metrics } = options;
  if (metrics) {
    metrics.breakerState.set({ service }, BREAKER_STATE_VALUE.closed);
    const enter = (to: BreakerState) => () => {
      metrics.breakerState.set({ service }, BREAKER_STATE_VALUE[to]);
      metrics.breakerTransitions.inc({ service, to });
    };
    breaker.on('open', enter('open'));
    breaker.on('halfOpen', enter('half_open'));
    breaker.on('close', enter('closed'));
    breaker.on('reject', () => metrics.breakerRejections.inc({ service, reason: 'open' }));
  }

  /**
   * Calls in flight are counted here, not by opossum's `capacity`: opossum counts a call it
   * refuses for capacity as a failure of the upstream, so one client's burst of a few hundred
   * calls opened the breaker for every other caller of this process.
   */
  const capacity = options.capacity ?? DEFAULT_UPSTREAM_POLICY.capacity;
  let inFlight = 0;
  const overCapacity = () => {
    metrics?.breakerRejections.inc({ service, reason: 'over_capacity' });
    const message = `${service}: ${capacity} calls in flight`;
    return new UpstreamError(service, 0, message, undefined, undefined, 'over_capacity');
  };

  /**
   * Each caller's calls in flight are bounded too, below the capacity: one GraphQL request fans
   * out into a call per alias and per batched operation, so one user within the edge's
   * in-flight cap held all 128 slots (and every other user was refused). Calls past the share
   * wait for the caller's own slots, never anyone else's; the wait is not counted against the
   * upstream, so a flood cannot open the breaker through it either.
   */
  const shares = new CallerShares({
    share: options.callerShare ?? DEFAULT_UPSTREAM_POLICY.callerShare,
    queue: options.callerQueue ?? DEFAULT_UPSTREAM_POLICY.callerQueue,
    maxWaitMs: timeoutMs,
  });
  const shareRefused = (err: unknown): unknown => {
    if (!(err instanceof ShareRefused)) return err;
    metrics?.breakerRejections.inc({ service, reason: 'caller_share' });
    const message = `${service}: caller's share of calls in flight in use (${err.message})`;
    return new UpstreamError(service, 0, message, undefined, undefined, 'caller_share');
  };
  const slotOf = async (caller: string | undefined): Promise<Release | undefined> => {
    // An open breaker refuses at once; waiting for a share first would only delay that.
    if (caller === undefined || breaker.opened) return undefined;
    try {
      return shares.tryTake(caller) ?? (await shares.wait(caller));
    } catch (err) {
      throw shareRefused(err);
    }
  };

  const guarded = async <T>(call: () => Promise<T>, caller?: string): Promise<T> => {
    const release = await slotOf(caller);
    if (inFlight >= capacity && !breaker.opened) {
      release?.();
      throw overCapacity();
    }
    inFlight++;
    try {
      return (await breaker.fire(call)) as T;
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      // opossum's own refusals become the same error as any other unavailable upstream.
      const code = (err as { code?: unknown }).code;
      const reason = (typeof code === 'string' && REFUSALS[code]) || 'network';
      const message = `${service}: ${err instanceof Error ? err.message : String(err)}`;
      throw new UpstreamError(service, 0, message, undefined, undefined, reason);
    } finally {
      inFlight--;
      release?.();
    }
  };
  return {
    service,
    breaker,
    state,
    get: (path, opts?: RequestOptions) => guarded(() => client.get(path, opts), opts?.caller),
    post: (path, opts?: RequestOptions) => guarded(() => client.post(path, opts), opts?.caller),
    close: async () => {
      breaker.shutdown();
      await client.close();
    },
  };
}
