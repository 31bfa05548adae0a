import { isProviderRefusal, parseProviderBody, parseRetryAfterMs } from '@edge/upstream';
import { HandlerFailure } from './handler-failure.js';

/**
 * One JSON call to a provider (services-mock in the dev stack). Any answer other than 2xx, a
 * network error or the runtime's abort is thrown as a `HandlerFailure` that says whether trying
 * again can help, with the provider's Retry-After: the runtime retries, so no retry sits in
 * here (one retry layer, PITFALLS).
 */
export async function callProvider(
  url: string,
  init: { method: 'GET' | 'POST'; body?: unknown; signal: AbortSignal },
): Promise<unknown> {
  const what = `${init.method} ${new URL(url).pathname}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: init.method,
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: init.signal,
    });
  } catch (err) {
    const cause =
      err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    throw new HandlerFailure(`${what} failed${cause}`, 'transient');
  }
  const text = await response.text();
  if (!response.ok) {
    throw new HandlerFailure(
      `${what} answered ${response.status}: ${text.slice(0, 200)}`,
      isProviderRefusal(response.status, parseProviderBody(text)) ? 'definite' : 'transient',
      parseRetryAfterMs(response.headers.get('retry-after') ?? undefined),
      response.status,
    );
  }
  return text ? (JSON.parse(text) as unknown) : undefined;
}
