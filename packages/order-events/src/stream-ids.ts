/** Stream ids (`<ms>-<seq>`) compared and stepped as numbers, never as strings. */
function parts(id: string): [bigint, bigint] {
  const [ms, seq] = id.split('-');
  return [BigInt(ms ?? '0'), BigInt(seq ?? '0')];
}

export function compareIds(a: string, b: string): number {
  const [am, as] = parts(a);
  const [bm, bs] = parts(b);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

export function minId(ids: readonly string[]): string | undefined {
  return ids.reduce<string | undefined>(
    (m, id) => (m === undefined || compareIds(id, m) < 0 ? id : m),
    undefined,
  );
}

/** The smallest id after `id`. */
export function nextId(id: string): string {
  const [ms, seq] = parts(id);
  return `${ms}-${seq + 1n}`;
}

/** Milliseconds part of an id: when the entry was appended (the Redis clock). */
export function idTimeMs(id: string): number {
  return Number(parts(id)[0]);
}
