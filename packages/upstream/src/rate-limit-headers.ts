type Headers = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[0];
}

function seconds(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * How long to wait, in ms, when an upstream's IETF RateLimit headers say its quota is spent:
 * `RateLimit: limit=100, remaining=0, reset=5` (draft 7), `RateLimit: "default";r=0;t=5`
 * (later drafts), or `RateLimit-Remaining: 0` with
 * `RateLimit-Reset: 5` (earlier drafts, as GitHub and many gateways send them). Undefined while
 * calls remain or when the headers are absent or unreadable. `reset` is delta seconds.
 */
export function rateLimitWaitMs(headers: Headers): number | undefined {
  const combined = first(headers['ratelimit']);
  if (combined !== undefined) {
    const fields = new Map(
      combined.split(/[,;]/).map((part) => {
        const [key = '', value = ''] = part.split('=').map((s) => s.trim());
        return [key.toLowerCase(), value] as const;
      }),
    );
    const remaining = seconds(fields.get('remaining') ?? fields.get('r'));
    const reset = seconds(fields.get('reset') ?? fields.get('t'));
    if (remaining === 0 && reset !== undefined) return reset * 1000;
  }
  const remaining = seconds(first(headers['ratelimit-remaining']));
  const reset = seconds(first(headers['ratelimit-reset']));
  return remaining === 0 && reset !== undefined ? reset * 1000 : undefined;
}
