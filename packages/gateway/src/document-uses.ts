import { Counter, createLogThrottle, type Logger, type Registry } from '@edge/common';
import type { DocumentStore, DocumentUse } from '@edge/contracts';
import type { RegisteredVersion } from './document-registry.js';

/** How often counted uses are written to the store. */
export const DEFAULT_USES_FLUSH_MS = 1000;

export interface DocumentUses {
  /** Count one run of a registered document: a map increment, nothing else. */
  count(version: RegisteredVersion, id: string): void;
  /** Stop the interval and write what was counted since the last flush. */
  close(): Promise<void>;
}

/**
 * Uses per client, version and document, counted in memory and added to the store every
 * `flushMs` (one pipelined write per interval per instance, whatever the traffic), so
 * `documents stale` can tell which versions nobody runs any more. A crash loses at most one
 * interval of counts, which only makes a version look a little quieter. The Prometheus counter
 * carries client and version, never the document: its labels come only from versions an
 * operator pushed, so a client cannot invent series; per-document counts live in the store.
 */
export function createDocumentUses(
  store: DocumentStore,
  registry: Registry,
  log: Logger,
  flushMs = DEFAULT_USES_FLUSH_MS,
): DocumentUses {
  const requests = new Counter({
    name: 'edge_client_document_requests_total',
    help: 'Operations run from registered documents, by surface, client and client version',
    labelNames: ['surface', 'client', 'version'] as const,
    registers: [registry],
  });
  const pending = new Map<RegisteredVersion, Map<string, number>>();
  // The labelled child per version, bound once: inc() with a label object hashes the labels.
  const children = new WeakMap<RegisteredVersion, { inc(): void }>();
  const throttle = createLogThrottle(log);
  const flush = async () => {
    if (pending.size === 0) return;
    const uses: DocumentUse[] = [];
    for (const [version, counts] of pending) {
      for (const [id, count] of counts) {
        uses.push({ client: version.client, version: version.version, id, count });
      }
    }
    pending.clear();
    try {
      await store.recordUses(uses, Date.now());
    } catch (err) {
      throttle.warn(
        { err: (err as Error).message, uses: uses.length },
        'document uses not recorded',
      );
    }
  };
  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();
  return {
    count(version, id) {
      let counts = pending.get(version);
      if (!counts) {
        counts = new Map();
        pending.set(version, counts);
      }
      counts.set(id, (counts.get(id) ?? 0) + 1);
      let child = children.get(version);
      if (!child) {
        child = requests.labels(version.surface, version.client, version.version);
        children.set(version, child);
      }
      child.inc();
    },
    close: async () => {
      clearInterval(timer);
      await flush();
    },
  };
}
