import { Agent, request } from 'undici';
import type { FixResult, ReconciliationReport } from './reconciler';
import type {
  CancelSagaRequest,
  OperatorRequest,
  PlaceOrderRequest,
  ResolveRequest,
  SagaListState,
} from './saga-api-schemas';
import type { SagaRef, SagaView } from './saga-view';

export interface SagaClientOptions {
  /** Orchestrator base URL, e.g. `http://127.0.0.1:4020`. */
  baseUrl: string;
  /** Per-request timeout beyond any `waitMs`; default 5 s. */
  timeoutMs?: number;
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
  ) {
    super(message);
    this.name = 'SagaClientError';
  }
}

export interface SagaClient {
  /** `headers`: this call's request id and traceparent, so the saga joins the caller's trace. */
  placeOrder(
    body: Omit<PlaceOrderRequest, 'type'>,
    waitMs?: number,
    headers?: Record<string, string>,
  ): Promise<SagaRef & { created: boolean }>;
  cancelSaga(
    sagaId: string,
    body: CancelSagaRequest,
    waitMs?: number,
    headers?: Record<string, string>,
  ): Promise<SagaRef>;
  cancelOrder(
    orderId: string,
    body: CancelSagaRequest,
    waitMs?: number,
    headers?: Record<string, string>,
  ): Promise<SagaRef>;
  /** An operator reads any saga; a customer (headers carry its identity) only its own. */
  get(sagaId: string, headers?: Record<string, string>): Promise<SagaView>;
  list(state: SagaListState, limit?: number): Promise<SagaView[]>;
  replay(sagaId: string, body: OperatorRequest): Promise<SagaRef>;
  /** Every dead-lettered saga, or the given ones. */
  replayAll(body: OperatorRequest & { ids?: string[] }): Promise<string[]>;
  resolve(sagaId: string, body: ResolveRequest): Promise<SagaRef>;
  /** Reconcile sagas with the providers now (operator: viewer). */
  reconciliation(): Promise<ReconciliationReport>;
  /** Repair every safe finding, then reconcile again (operator). */
  fixReconciliation(body: { reason: string }): Promise<{
    fixes: FixResult[];
    after: ReconciliationReport;
  }>;
  close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** Typed client of docs/saga-api.md, for BFFs, the CLI and tests. */
export function createSagaClient(options: SagaClientOptions): SagaClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const agent = new Agent({ connections: 32, keepAliveTimeout: 30_000 });

  async function call<T>(
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    waitMs = 0,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: T }> {
    const response = await request(new URL(path, options.baseUrl), {
      method,
      dispatcher: agent,
      signal: AbortSignal.timeout(timeoutMs + waitMs),
      headers: {
        ...options.headers,
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.body.json()) as T & {
      error?: { code?: string; message?: string };
    };
    if (response.statusCode >= 400) {
      throw new SagaClientError(
        response.statusCode,
        json.error?.code ?? 'UNKNOWN',
        json.error?.message ?? `HTTP ${response.statusCode}`,
      );
    }
    return { status: response.statusCode, json };
  }

  const wait = (waitMs: number | undefined) => (waitMs ? `?waitMs=${waitMs}` : '');
  const id = encodeURIComponent;

  return {
    async placeOrder(body, waitMs, headers) {
      const { status, json } = await call<SagaRef>(
        'POST',
        `/sagas${wait(waitMs)}`,
        { ...body, type: 'place_order' },
        waitMs,
        headers,
      );
      return { ...json, created: status === 201 };
    },
    async cancelSaga(sagaId, body, waitMs, headers) {
      const path = `/sagas/${id(sagaId)}/cancel${wait(waitMs)}`;
      return (await call<SagaRef>('POST', path, body, waitMs, headers)).json;
    },
    async cancelOrder(orderId, body, waitMs, headers) {
      const path = `/orders/${id(orderId)}/cancel${wait(waitMs)}`;
      return (await call<SagaRef>('POST', path, body, waitMs, headers)).json;
    },
    async get(sagaId, headers) {
      return (await call<SagaView>('GET', `/sagas/${id(sagaId)}`, undefined, 0, headers)).json;
    },
    async list(state, limit = 100) {
      return (await call<{ items: SagaView[] }>('GET', `/sagas?state=${state}&limit=${limit}`)).json
        .items;
    },
    async replay(sagaId, body) {
      return (await call<SagaRef>('POST', `/sagas/${id(sagaId)}/replay`, body)).json;
    },
    async replayAll(body) {
      const payload = body.ids ? body : { ...body, all: true };
      return (await call<{ replayed: string[] }>('POST', '/sagas/replay', payload)).json.replayed;
    },
    async resolve(sagaId, body) {
      return (await call<SagaRef>('POST', `/sagas/${id(sagaId)}/resolve`, body)).json;
    },
    async reconciliation() {
      return (await call<ReconciliationReport>('GET', '/reconciliation')).json;
    },
    async fixReconciliation(body) {
      return (
        await call<{ fixes: FixResult[]; after: ReconciliationReport }>(
          'POST',
          '/reconciliation/fix',
          body,
        )
      ).json;
    },
    close: () => agent.close(),
  };
}
