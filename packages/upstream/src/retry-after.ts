/**
 * A Retry-After header (delta seconds or an HTTP date) as milliseconds from `now`; undefined
 * when absent or unreadable. A date in the past is 0: the upstream allows a call now.
 */
export function parseRetryAfterMs(
  header: string | readonly string[] | undefined,
  now = Date.now(),
): number | undefined {
  const value = typeof header === 'string' ? header : header?.[0];
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
