import type { ServerResponse } from 'node:http';
import { AppError, ErrorCode, sendJson } from '@edge/common';

/** A response as it was first sent, replayed verbatim for a repeated key. */
export interface StoredResponse {
  status: number;
  body: unknown;
  /** True when this answer is a replay, not a fresh effect. */
  replayed: boolean;
}

interface Entry {
  fingerprint: string;
  status: number;
  body: unknown;
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` count as the same request. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const entries = Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  });
}

/**
 * Idempotency keys of one service, scoped by route so one key may be reused across endpoints.
 * Business refusals (409) are stored like successes: a retry must see the answer the first
 * attempt got, not a different one because stock or refunds moved in between. Validation and
 * not-found errors are not stored, since no effect was ever decided.
 *
 * `execute` is synchronous on purpose: two concurrent requests with one key cannot interleave
 * between the lookup and the store, so the effect happens exactly once.
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  execute(
    scope: string,
    key: string,
    request: unknown,
    effect: () => { status: number; body: unknown },
  ): StoredResponse {
    const id = `${scope}\n${key}`;
    const fingerprint = canonical(request);
    const seen = this.entries.get(id);
    if (seen) {
      if (seen.fingerprint !== fingerprint) {
        throw new AppError(
          ErrorCode.CONFLICT,
          `Idempotency key "${key}" was already used with a different request`,
          { details: { reason: 'idempotency_key_reused' } },
        );
      }
      return { status: seen.status, body: seen.body, replayed: true };
    }
    let outcome: { status: number; body: unknown };
    try {
      outcome = effect();
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== ErrorCode.CONFLICT) throw error;
      outcome = { status: error.status, body: error.toJSON() };
    }
    // A snapshot, because the live object may change later (an order's status, a release) and
    // a replay must answer what the first call answered.
    const snapshot = { status: outcome.status, body: structuredClone(outcome.body) };
    this.entries.set(id, { fingerprint, ...snapshot });
    return { ...outcome, replayed: false };
  }

  /** The first answer given under this key, if any: what a lookup by key reports. */
  lookup(scope: string, key: string): { status: number; body: unknown } | undefined {
    const seen = this.entries.get(`${scope}\n${key}`);
    return seen ? { status: seen.status, body: seen.body } : undefined;
  }

  /** Id of the resource a 2xx answer under this key created; undefined when none was. */
  createdId(scope: string, key: string): string | undefined {
    const seen = this.lookup(scope, key);
    if (!seen || seen.status < 200 || seen.status >= 300) return undefined;
    const { body } = seen;
    if (typeof body !== 'object' || body === null || !('id' in body)) return undefined;
    return typeof body.id === 'string' ? body.id : undefined;
  }

  reset(): void {
    this.entries.clear();
  }

  /** Forget every key of one scope, as a provider does once its retention (about 24 h) ends. */
  forget(scope: string): void {
    for (const id of this.entries.keys()) {
      if (id.startsWith(`${scope}\n`)) this.entries.delete(id);
    }
  }
}

/** Send a stored response; a replay says so in a header, as Stripe does, to ease debugging. */
export function sendStored(res: ServerResponse, stored: StoredResponse): void {
  sendJson(
    res,
    stored.status,
    stored.body,
    stored.replayed ? { 'idempotent-replayed': 'true' } : {},
  );
}
