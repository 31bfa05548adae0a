import type { CallOutcome, ProviderClient, ProviderRequest } from '../src/provider-client';

interface Effect {
  key: string;
  body: string;
  answer: { status: number; body: unknown };
}

/** A scripted failure for the next calls of one route (`POST /refunds`). */
export interface ScriptedFault {
  route: string;
  outcome: CallOutcome;
  /** How many matching calls fail; undefined = until cleared. */
  calls?: number;
}

/**
 * Provider double for engine and store tests, with the services' idempotency semantics: one
 * effect per key, the same answer on a re-send. `effects` counts what really happened, which is
 * what "no step done twice in effect" is checked against.
 */
export class InMemoryProviders implements ProviderClient {
  readonly effects = new Map<string, Effect>();
  readonly calls: string[] = [];
  private faults: ScriptedFault[] = [];
  private next = 1;
  private readonly refundedCharges = new Map<string, string>();

  fail(fault: ScriptedFault): void {
    this.faults.push({ ...fault });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /** Effects by route, e.g. `POST /refunds` -> 3. */
  countEffects(route: string): number {
    let count = 0;
    for (const effect of this.effects.values()) if (effect.key.startsWith(`${route}|`)) count++;
    return count;
  }

  /** `GET /charges?idempotencyKey=K`: what the POST under K created, as the services answer. */
  private lookup(path: string): CallOutcome {
    const [resource = '', query = ''] = path.split('?');
    const key = new URLSearchParams(query).get('idempotencyKey');
    if (key === null) return { kind: 'ok', answer: { status: 200, body: {} } };
    const effect = this.effects.get(`POST ${resource}|${key}`);
    if (resource === '/orders') {
      return {
        kind: 'ok',
        answer: { status: 200, body: { items: effect ? [effect.answer.body] : [] } },
      };
    }
    if (!effect)
      return {
        kind: 'rejected',
        answer: {
          status: 404,
          body: { error: { code: 'NOT_FOUND', reason: 'nothing_under_key' } },
        },
      };
    return { kind: 'ok', answer: { status: 200, body: effect.answer.body } };
  }

  async call(request: ProviderRequest): Promise<CallOutcome> {
    const route = `${request.method} ${request.path.split('?')[0]?.replace(/\/[^/]*-\d+[^/]*(?=\/|$)/, '/:id')}`;
    this.calls.push(route);
    const fault = this.faults.find(
      (f) => f.route === route && (f.calls === undefined || f.calls > 0),
    );
    if (fault) {
      if (fault.calls !== undefined) fault.calls--;
      return fault.outcome;
    }
    if (request.method === 'GET') return this.lookup(request.path);
    const body = request.body ?? {};
    const idempotencyKey = String(body['idempotencyKey']);
    const key = `${route}|${idempotencyKey}`;
    const { idempotencyKey: _key, ...rest } = body;
    const existing = this.effects.get(key);
    if (existing) {
      if (existing.body !== JSON.stringify(rest)) {
        return { kind: 'rejected', answer: { status: 409, body: { error: { code: 'CONFLICT' } } } };
      }
      return { kind: 'ok', answer: existing.answer };
    }
    const answer = this.answer(route, request, body);
    if (answer.kind === 'ok')
      this.effects.set(key, { key, body: JSON.stringify(rest), answer: answer.answer });
    return answer;
  }

  private answer(
    route: string,
    request: ProviderRequest,
    body: Record<string, unknown>,
  ): CallOutcome {
    const id = `x-${this.next++}`;
    switch (route) {
      case 'POST /orders':
        return {
          kind: 'ok',
          answer: {
            status: 201,
            body: { id: `o-${id}`, totalCents: 1234, currency: 'USD', status: 'pending' },
          },
        };
      case 'POST /refunds': {
        const chargeId = String(body['chargeId']);
        const refundedBy = this.refundedCharges.get(chargeId);
        if (refundedBy) {
          return {
            kind: 'rejected',
            answer: {
              status: 409,
              body: {
                error: { code: 'CONFLICT', reason: 'already_refunded', refundId: refundedBy },
              },
            },
          };
        }
        this.refundedCharges.set(chargeId, `rf-${id}`);
        return { kind: 'ok', answer: { status: 201, body: { id: `rf-${id}`, chargeId } } };
      }
      default:
        return {
          kind: 'ok',
          answer: { status: request.path.endsWith('s') ? 201 : 200, body: { id: `r-${id}` } },
        };
    }
  }

  async close(): Promise<void> {}
}
