import { AppError, ErrorCode } from '@edge/common';
import type { DocumentRegistry, DocumentSet } from './document-registry.js';
import type { DocumentUses } from './document-uses.js';
import type { GraphQLRequest } from './graphql-request.js';
import type { PersistedQueryResolver, ResolvedQuery } from './persisted-queries.js';

/** The client build a request says it comes from (Apollo's client-awareness headers). */
export interface ClientHeaders {
  name: string | undefined;
  version: string | undefined;
}

export interface ClientContractOptions {
  surface: string;
  registry: DocumentRegistry;
  uses: DocumentUses;
  /** Whether requests from unregistered clients may run any valid document (web may). */
  acceptArbitrary: boolean;
  /**
   * Where the surface refuses arbitrary documents: the trusted-documents file's documents, the
   * only ones a request naming no registered version may run (mobile builds older than the
   * client headers). Without it such requests are refused.
   */
  trusted?: DocumentSet;
  /** How a request without a registered version resolves its document (APQ, trusted file). */
  fallback: PersistedQueryResolver;
}

export type ContractResolver = (op: GraphQLRequest, client: ClientHeaders) => ResolvedQuery;

type Reason = 'unknown_version' | 'retired_version' | 'unregistered_document';

const MESSAGES: Record<Reason, string> = {
  unknown_version: 'This client version has no registered documents',
  retired_version: 'This client version is retired',
  unregistered_document: 'The document is not registered for this client version',
};

function refuse(reason: Reason, client: ClientHeaders): AppError {
  return new AppError(ErrorCode.DOCUMENT_NOT_REGISTERED, MESSAGES[reason], {
    details: {
      contract: reason,
      // Bounded: client-supplied strings are echoed back.
      client: client.name?.slice(0, 64) ?? null,
      clientVersion: client.version?.slice(0, 64) ?? null,
    },
  });
}

/** The document a request names in `documents`, by hash or by exact text; undefined if none. */
function lookUp(op: GraphQLRequest, documents: DocumentSet) {
  const id = op.query === undefined ? op.persistedHash : documents.idByBody.get(op.query);
  const query = id === undefined ? undefined : documents.bodyById.get(id);
  if (id === undefined || query === undefined) return undefined;
  if (op.persistedHash !== undefined && op.persistedHash !== id) {
    throw new AppError(ErrorCode.BAD_REQUEST, 'provided sha does not match query');
  }
  return {
    id,
    resolved: { query, rebuilt: op.query === undefined || op.persistedHash !== undefined },
  };
}

/**
 * Per-version trusted documents. A request naming a registered client version runs only that
 * version's documents, by hash or by exact text, on every surface: that is the contract its
 * build was pushed with. Requests from anything else run arbitrary documents only where the
 * surface accepts them (web; not mobile and partner in production); elsewhere only the
 * trusted-documents file's, if the surface has one. Two map lookups and a counter increment:
 * nothing here reads the store.
 */
export function createContractResolver(options: ClientContractOptions): ContractResolver {
  const { registry, uses, surface } = options;
  return (op, client) => {
    const registered =
      client.name === undefined || client.version === undefined
        ? undefined
        : registry.find(client.name, client.version);
    if (!registered || registered.surface !== surface) {
      if (options.acceptArbitrary) return options.fallback(op);
      const trusted = options.trusted && lookUp(op, options.trusted);
      if (trusted) return trusted.resolved;
      if (!registry.loaded()) {
        throw new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, 'Client documents not loaded yet', {
          headers: { 'retry-after': '1' },
        });
      }
      throw refuse('unknown_version', client);
    }
    if (registered.retired) throw refuse('retired_version', client);
    const found = lookUp(op, registered);
    if (!found) throw refuse('unregistered_document', client);
    uses.count(registered, found.id);
    return found.resolved;
  };
}
