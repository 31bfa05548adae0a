import { readFileSync } from 'node:fs';
import { AppError, ErrorCode } from '@edge/common';
import { parseManifest, sha256Hex } from '@edge/contracts';
import { LRUCache } from 'lru-cache';
import { APQ_CACHE_BYTES, DEFAULT_APQ_CACHE_SIZE } from './defaults.js';
import type { GraphQLRequest } from './graphql-request.js';

export interface PersistedQueryOptions {
  /** Accept automatic persisted queries (register on miss); mobile only. */
  apq: boolean;
  /** Trusted documents by SHA-256; when set, nothing else runs on the surface. */
  trusted?: ReadonlyMap<string, string>;
  /** Documents remembered per process for APQ; default DEFAULT_APQ_CACHE_SIZE. */
  cacheSize?: number;
}

/** The document a request runs, and whether the body must be rebuilt to carry it. */
export interface ResolvedQuery {
  query: string;
  rebuilt: boolean;
  /**
   * Registers an APQ document under its hash; the edge calls it once the document passed
   * validation, so a hash never stands for a document the edge refuses (and junk cannot push
   * good documents out of the bounded cache).
   */
  remember?: () => void;
}

/**
 * Read a trusted-documents manifest: Apollo's persisted query manifest or a plain
 * `{ "<sha256>": "<document>" }` map (see `parseManifest`). Every id must be the document's
 * hash, or start fails.
 */
export function loadTrustedDocuments(file: string): Map<string, string> {
  const operations = parseManifest(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
  return new Map(operations.map((op) => [op.id, op.body]));
}

const notFound = () => new AppError(ErrorCode.PERSISTED_QUERY_NOT_FOUND, 'PersistedQueryNotFound');

/**
 * Resolves the document of a request: trusted documents first (only registered operations
 * run), then automatic persisted queries (a hash alone, registered on the first full request
 * that passes validation).
 * The APQ cache is per process: a miss on another instance costs the client one resend, which
 * is the protocol's normal recovery, and keeps the hot path free of a Redis lookup.
 */
export function createPersistedQueries(options: PersistedQueryOptions) {
  const apq = new LRUCache<string, string>({
    max: options.cacheSize ?? DEFAULT_APQ_CACHE_SIZE,
    maxSize: APQ_CACHE_BYTES,
    sizeCalculation: (query, hash) => query.length + hash.length,
  });
  return (op: GraphQLRequest): ResolvedQuery => {
    const hash = op.persistedHash;
    if (options.trusted) {
      if (op.query === undefined) {
        const query = hash === undefined ? undefined : options.trusted.get(hash);
        if (query === undefined) throw notFound();
        return { query, rebuilt: true };
      }
      if (!options.trusted.has(sha256Hex(op.query))) {
        throw new AppError(ErrorCode.FORBIDDEN, 'Only registered operations are accepted', {
          details: { reason: 'untrusted_document' },
        });
      }
      return { query: op.query, rebuilt: hash !== undefined };
    }
    if (hash === undefined) {
      if (op.query === undefined) throw new AppError(ErrorCode.BAD_REQUEST, 'Missing "query"');
      return { query: op.query, rebuilt: false };
    }
    if (!options.apq) {
      throw new AppError(ErrorCode.BAD_REQUEST, 'Persisted queries are not accepted here');
    }
    if (op.query === undefined) {
      const query = apq.get(hash);
      if (query === undefined) throw notFound();
      return { query, rebuilt: true };
    }
    if (sha256Hex(op.query) !== hash) {
      throw new AppError(ErrorCode.BAD_REQUEST, 'provided sha does not match query');
    }
    const query = op.query;
    return { query, rebuilt: true, remember: () => apq.set(hash, query) };
  };
}

export type PersistedQueryResolver = ReturnType<typeof createPersistedQueries>;
