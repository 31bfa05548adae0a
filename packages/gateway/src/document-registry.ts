import { createLogThrottle, type Logger } from '@edge/common';
import type { ClientVersion, DocumentStore } from '@edge/contracts';

/** Documents a request may run, looked up without hashing. */
export interface DocumentSet {
  /** Documents by SHA-256, for clients that send only the hash. */
  bodyById: ReadonlyMap<string, string>;
  /** The same documents by text, so a client sending the full text costs no hashing. */
  idByBody: ReadonlyMap<string, string>;
}

/** What the edge holds in memory for one registered client version. */
export interface RegisteredVersion extends DocumentSet {
  client: string;
  version: string;
  surface: string;
  retired: boolean;
}

/** A document set from documents by SHA-256 (a trusted-documents file). */
export function documentSet(bodyById: ReadonlyMap<string, string>): DocumentSet {
  return { bodyById, idByBody: new Map([...bodyById].map(([id, body]) => [body, id])) };
}

export interface DocumentRegistry {
  /** The version's contract, or undefined when that client never pushed it. */
  find(client: string, version: string): RegisteredVersion | undefined;
  /** Whether any version of this client was pushed (bounds metric labels to real clients). */
  hasClient(client: string): boolean;
  /** False until the store answered once: strict surfaces cannot tell a client apart yet. */
  loaded(): boolean;
  close(): void;
}

/** Retry interval until the registry has loaded once. */
const STARTUP_RETRY_MS = 50;
/** Failed first loads kept quiet (about a second): the Redis client is connecting. */
const STARTUP_QUIET_ATTEMPTS = 20;

/** How often the edge asks the store whether anything was pushed or retired. */
export const DEFAULT_REGISTRY_REFRESH_MS = 1000;

async function snapshotOf(store: DocumentStore, versions: ClientVersion[]) {
  const bodies = await store.bodies([
    ...new Set(versions.flatMap((v) => v.operations.map((op) => op.id))),
  ]);
  const byClient = new Map<string, Map<string, RegisteredVersion>>();
  for (const v of versions) {
    const bodyById = new Map<string, string>();
    const idByBody = new Map<string, string>();
    for (const op of v.operations) {
      const body = bodies.get(op.id);
      if (body === undefined) continue;
      bodyById.set(op.id, body);
      idByBody.set(body, op.id);
    }
    let forClient = byClient.get(v.client);
    if (!forClient) {
      forClient = new Map();
      byClient.set(v.client, forClient);
    }
    forClient.set(v.version, {
      client: v.client,
      version: v.version,
      surface: v.surface,
      retired: v.retiredAt !== null,
      bodyById,
      idByBody,
    });
  }
  return byClient;
}

/**
 * The registered client versions, in memory, so the hot path answers from two map lookups.
 * Every `refreshMs` the edge reads one small value, the store's stamp (one GET per instance
 * per second, not per request), and reloads the registry only when a push or retire moved it:
 * a pushed version runs everywhere within about a second, without a pub/sub subscription to
 * keep alive (and to miss messages on while it reconnects). While the store is unreachable the
 * last registry keeps serving.
 */
export async function startDocumentRegistry(
  store: DocumentStore,
  log: Logger,
  refreshMs = DEFAULT_REGISTRY_REFRESH_MS,
): Promise<DocumentRegistry> {
  let byClient = new Map<string, Map<string, RegisteredVersion>>();
  let stamp: string | undefined;
  let loaded = false;
  const throttle = createLogThrottle(log);
  let startFailures = 0;
  const refresh = async () => {
    try {
      const current = await store.stamp();
      if (current === stamp) return;
      byClient = await snapshotOf(store, await store.versions());
      stamp = current;
      if (loaded)
        log.info(
          { versions: [...byClient.values()].flatMap((m) => [...m.keys()]).length },
          'client documents reloaded',
        );
      loaded = true;
    } catch (err) {
      // A client still connecting at start is not news; a store that stays away is.
      if (loaded || ++startFailures > STARTUP_QUIET_ATTEMPTS) {
        throttle.warn({ err: (err as Error).message }, 'client documents not (re)loaded');
      }
    }
  };
  await refresh();
  // Until the first load, retry quickly: at start the fail-fast Redis client is still
  // connecting (no offline queue), and the edge is not ready before the registry is.
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (closed) return;
    timer = setTimeout(
      () => void refresh().finally(schedule),
      loaded ? refreshMs : Math.min(refreshMs, STARTUP_RETRY_MS),
    );
    timer.unref();
  };
  schedule();
  return {
    find: (client, version) => byClient.get(client)?.get(version),
    hasClient: (client) => byClient.has(client),
    loaded: () => loaded,
    close: () => {
      closed = true;
      clearTimeout(timer);
    },
  };
}
