/**
 * One JSON call to a provider (services-mock in the dev stack). Any answer other than 2xx, a
 * network error or the runtime's abort is thrown: the runtime counts it as a failed delivery
 * and retries, so no retry sits in here (one retry layer, PITFALLS).
 */
export async function callProvider(
  url: string,
  init: { method: 'GET' | 'POST'; body?: unknown; signal: AbortSignal },
): Promise<unknown> {
  const response = await fetch(url, {
    method: init.method,
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: init.signal,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `${init.method} ${new URL(url).pathname} answered ${response.status}: ${text.slice(0, 200)}`,
    );
  }
  return text ? (JSON.parse(text) as unknown) : undefined;
}
