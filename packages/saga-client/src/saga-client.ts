import type {
  CancelBody,
  FixResult,
  OperatorBody,
  PlaceOrderBody,
  ReconciliationReport,
  ReplayAllAnswer,
  ReplayAnswer,
  ReplayBody,
  ResolveAnswer,
  ResolveBody,
  SagaListItem,
  SagaListSort,
  SagaListState,
  SagaRef,
  SagaView,
} from '@edge/saga-wire';
import {
  type BreakerOptions,
  createHttpClient,
  UpstreamError,
  type UpstreamMetrics,
  withBreaker,
  withTimeout,
} from '@edge/upstream';

export interface SagaClientOptions {
  /** Orchestrator base URL, e.g. `http://127.0.0.1:4020`. */
  baseUrl: string;
  /** Per-request deadline on top of the longest wait; default 5 s. */
  timeoutMs?: number;
  /**
   * The longest a call may ask the orchestrator to wait for an outcome (`waitMs`); a call that
   * asks for more waits this long. The socket deadline is `timeoutMs + maxWaitMs`. Default 0.
   */
  maxWaitMs?: number;
  /** The breaker in front of the orchestrator; unset fields take DEFAULT_UPSTREAM_POLICY's. */
  breaker?: Omit<BreakerOptions, 'timeoutMs' | 'metrics'>;
  /** Where the breaker's state and refusals are counted (`service="saga"`); none by default. */
  metrics?: UpstreamMetrics;
  /**
   * Extra headers on every call: an operator's `authorization: Bearer <token>` for the CLI,
   * and per call the edge-signed identity (`x-edge-identity`) a BFF forwards.
   */
  headers?: Record<string, string>;
}

/** An error answer of the orchestrator, with its code and HTTP status. */
export class SagaClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The orchestrator's stable reason, when it gave one (`idempotency_key_reused`, ...). */
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'SagaClientError';
  }
}

export interface SagaClient {
  /** `headers`: this call's request id and traceparent, so the saga joins the caller's trace. */
  placeOrder(
    body: PlaceOrderBody,
    waitMs?: number,
    headers?: Record<string, string>,
  ): Promise<SagaRef & { created: boolean }>;
  cancelSaga(
    sagaId: string,
    body: CancelBody,
    waitMs?: number,
    headers?: Record<string, string>,
  ): Promise<SagaRef>;
  cancelOrder(
    orderId: string,
    body: CancelBody,
    waitMs?: number,
    headers?: Record<string, string>,
  ): Promise<SagaRef>;
  /** An operator reads any saga; a customer (headers carry its identity) only its own. */
  get(sagaId: string, headers?: Record<string, string>): Promise<SagaView>;
  list(state: SagaListState, limit?: number, sort?: SagaListSort): Promise<SagaListItem[]>;
  replay(sagaId: string, body: ReplayBody): Promise<ReplayAnswer>;
  /** The given sagas, or the next batch of the oldest dead-lettered ones. */
  replayAll(body: OperatorBody & { ids?: string[] }): Promise<ReplayAllAnswer>;
  resolve(sagaId: string, body: ResolveBody): Promise<ResolveAnswer>;
  /** Reconcile sagas with the providers now (operator: viewer). */
  reconciliation(): Promise<ReconciliationReport>;
  /** Repair every safe finding, then reconcile again (operator). */
  fixReconciliation(body: { reason: string }): Promise<{
    fixes: FixResult[];
    after: ReconciliationReport;
  }>;
  close(): Promise<void>;
}

export const DEFAULT_SAGA_CLIENT = Object.freeze({ timeoutMs: 5_000, maxWaitMs: 0 });

/** The orchestrator's error answer `{ error: { code, message } }`, when it sent one. */
function errorOf(body: unknown): { code?: string; message?: string; reason?: string } {
  if (typeof body !== 'object' || body === null || !('error' in body)) return {};
  const { error } = body as { error: unknown };
  return typeof error === 'object' && error !== null
    ? (error as { code?: string; message?: string; reason?: string })
    : {};
}

/**
 * Typed client of docs/saga-api.md for BFFs, the CLI and tests. Calls go through upstream's
 * keep-alive pool, socket deadline and breaker like any other service; the orchestrator's error
 * answers become SagaClientError (4xx never count against the breaker), and no answer at all
 * stays an UpstreamError (timeout, network, breaker open).
 */
export function createSagaClient(options: SagaClientOptions): SagaClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SAGA_CLIENT.timeoutMs;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_SAGA_CLIENT.maxWaitMs;
  const deadlineMs = timeoutMs + maxWaitMs;
  const http = withBreaker(
    withTimeout(createHttpClient({ service: 'saga', baseUrl: options.baseUrl }), deadlineMs),
    {
      ...options.breaker,
      timeoutMs: deadlineMs,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    },
  );

  async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const opts = { headers: { ...options.headers, ...headers }, body };
    try {
      return method === 'GET' ? await http.get<T>(path, opts) : await http.post<T>(path, opts);
    } catch (err) {
      if (err instanceof UpstreamError && err.status >= 400) {
        const { code, message, reason } = errorOf(err.body);
        throw new SagaClientError(
          err.status,
          code ?? 'UNKNOWN',
          message ?? err.message,
          typeof reason === 'string' ? reason : undefined,
        );
      }
      throw err;
    }
  }

  const wait = (waitMs: number | undefined) => {
    const bounded = Math.min(waitMs ?? 0, maxWaitMs);
    return bounded > 0 ? `?waitMs=${bounded}` : '';
  };
  const id = encodeURIComponent;

  return {
    placeOrder: (body, waitMs, headers) =>
      call('POST', `/sagas${wait(waitMs)}`, { ...body, type: 'place_order' }, headers),
    cancelSaga: (sagaId, body, waitMs, headers) =>
      call('POST', `/sagas/${id(sagaId)}/cancel${wait(waitMs)}`, body, headers),
    cancelOrder: (orderId, body, waitMs, headers) =>
      call('POST', `/orders/${id(orderId)}/cancel${wait(waitMs)}`, body, headers),
    get: (sagaId, headers) => call('GET', `/sagas/${id(sagaId)}`, undefined, headers),
    async list(state, limit = 100, sort) {
      const path = `/sagas?status=${state}&limit=${limit}${sort ? `&sort=${sort}` : ''}`;
      return (await call<{ items: SagaListItem[] }>('GET', path)).items;
    },
    replay: (sagaId, body) => call('POST', `/sagas/${id(sagaId)}/replay`, body),
    replayAll: (body) => call('POST', '/sagas/replay', body.ids ? body : { ...body, all: true }),
    resolve: (sagaId, body) => call('POST', `/sagas/${id(sagaId)}/resolve`, body),
    reconciliation: () => call('GET', '/reconciliation'),
    fixReconciliation: (body) => call('POST', '/reconciliation/fix', body),
    close: () => http.close(),
  };
}
