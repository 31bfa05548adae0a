import {
  type CompactJWSHeaderParameters,
  createLocalJWKSet,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';

export interface JwksSourceOptions {
  url: string;
  /** How long a fetched key set is used before a refresh is due; default 10 min. */
  cacheMaxAgeMs?: number;
  /** Least time between two fetch attempts, failed ones included; default 30 s. */
  cooldownMs?: number;
  /** How long the last good key set is served while refreshes fail; default 24 h. */
  staleMaxAgeMs?: number;
  /** One fetch's time limit; default 2 s. */
  timeoutMs?: number;
  /** Largest JWKS body read; default 64 KiB (a JWKS of a few keys is about 1 KiB per key). */
  maxBodyBytes?: number;
  /** Most keys a JWKS may hold; default 20. */
  maxKeys?: number;
  /** Told about every fetch attempt and its outcome, for logs and metrics. */
  onFetch?: (outcome: JwksFetchOutcome) => void;
}

export type JwksFetchOutcome = { ok: true; keys: number } | { ok: false; reason: string };

export const DEFAULT_JWKS = Object.freeze({
  cacheMaxAgeMs: 10 * 60_000,
  cooldownMs: 30_000,
  staleMaxAgeMs: 24 * 60 * 60_000,
  timeoutMs: 2000,
  maxBodyBytes: 64 * 1024,
  maxKeys: 20,
});

/** The identity provider cannot tell us its keys: our dependency failing, not the caller. */
export class JwksUnavailableError extends Error {
  constructor(
    message: string,
    /** Seconds until the next fetch may be attempted. */
    readonly retryAfterS: number,
  ) {
    super(message);
    this.name = 'JwksUnavailableError';
  }
}

/** Where the key set stands: `fresh`, `stale` (served while refreshes fail) or `unavailable`. */
export type JwksHealth = 'fresh' | 'stale' | 'unavailable';

interface KeySet {
  resolve: JWTVerifyGetKey;
  kids: ReadonlySet<string>;
  fetchedAt: number;
}

/** Reads at most `max` bytes of a body; a longer body is cut off without being buffered. */
async function readCapped(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > max) throw new Error(`body of ${declared} bytes exceeds ${max}`);
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new Error(`body exceeds ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The identity provider's signing keys, fetched from the configured URL only. jose resolves a
 * token's key within a set (createLocalJWKSet); this module decides when to fetch, which jose's
 * remote set does not let us decide: every attempt, failed ones included, waits for the
 * cooldown (with the IdP refusing connections, jose's own cooldown let 10 clients cause 3,593
 * attempts in 10 s); bodies and key counts are capped; and the last good set keeps serving while
 * refreshes fail, up to `staleMaxAgeMs`.
 */
export function createJwksSource(options: JwksSourceOptions) {
  const o = { ...DEFAULT_JWKS, ...options };
  let current: KeySet | undefined;
  let lastAttemptAt = Number.NEGATIVE_INFINITY;
  let lastAttemptFailed = false;
  let inFlight: Promise<void> | undefined;

  const retryAfterS = () =>
    Math.max(1, Math.ceil((lastAttemptAt + o.cooldownMs - Date.now()) / 1000));

  const load = async (): Promise<KeySet> => {
    const res = await fetch(o.url, {
      signal: AbortSignal.timeout(o.timeoutMs),
      headers: { accept: 'application/json' },
      redirect: 'error',
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`status ${res.status}`);
    }
    const jwks = JSON.parse(await readCapped(res, o.maxBodyBytes)) as JSONWebKeySet;
    if (!Array.isArray(jwks?.keys)) throw new Error('no keys array');
    if (jwks.keys.length > o.maxKeys) {
      throw new Error(`${jwks.keys.length} keys exceed ${o.maxKeys}`);
    }
    const kids = new Set(jwks.keys.flatMap((k) => (typeof k.kid === 'string' ? [k.kid] : [])));
    return { resolve: createLocalJWKSet(jwks), kids, fetchedAt: Date.now() };
  };

  /** One fetch at a time, and none within the cooldown of the last attempt, whatever it gave. */
  const refresh = (): Promise<void> => {
    if (inFlight) return inFlight;
    if (Date.now() - lastAttemptAt < o.cooldownMs) return Promise.resolve();
    lastAttemptAt = Date.now();
    inFlight = load()
      .then(
        (set) => {
          current = set;
          lastAttemptFailed = false;
          o.onFetch?.({ ok: true, keys: set.kids.size });
        },
        (err: unknown) => {
          lastAttemptFailed = true;
          o.onFetch?.({ ok: false, reason: err instanceof Error ? err.message : String(err) });
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  const usable = (): KeySet | undefined =>
    current && Date.now() - current.fetchedAt <= o.staleMaxAgeMs ? current : undefined;

  const health = (): JwksHealth => {
    const set = usable();
    if (!set) return 'unavailable';
    return Date.now() - set.fetchedAt <= o.cacheMaxAgeMs ? 'fresh' : 'stale';
  };

  const unavailable = () =>
    new JwksUnavailableError('The identity provider is unavailable', retryAfterS());

  /** jose's key lookup, over the current set, refreshing within the rules above. */
  const getKey = async (header: CompactJWSHeaderParameters, token: FlattenedJWSInput) => {
    const state = health();
    // A stale set answers now while it refreshes behind; with none, the refresh is awaited.
    if (state === 'stale') void refresh();
    if (state === 'unavailable') await refresh();
    const set = usable();
    if (!set) throw unavailable();
    try {
      return await set.resolve(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      // An unknown kid may be a rotation: refetch (within the cooldown) and look again.
      await refresh();
      const after = usable();
      if (after && after !== set) return after.resolve(header, token);
      // The IdP could not tell us whether this key exists: its failure, not the caller's.
      if (lastAttemptFailed) throw unavailable();
      throw err;
    }
  };

  return {
    getKey,
    health,
    /** Whether a key id is in the set in use; a token verified with a removed key is revoked. */
    hasKey: (kid: string | undefined): boolean => {
      const set = usable();
      return set !== undefined && kid !== undefined && set.kids.has(kid);
    },
  };
}

export type JwksSource = ReturnType<typeof createJwksSource>;
