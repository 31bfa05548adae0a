import type { OperationType } from './manifest.js';

/** One operation a client version was pushed with (its body is stored once, by id). */
export interface RegisteredOperation {
  id: string;
  name: string;
  type: OperationType;
}

/** A client build's contract: the operations it may send, on one surface. */
export interface ClientVersion {
  /** `apollographql-client-name`, e.g. `mobile`. */
  client: string;
  /** `apollographql-client-version`, e.g. `5.2.0`. */
  version: string;
  /** The edge surface it calls (`web`, `mobile`, `partner-v1`, `partner-v2`). */
  surface: string;
  pushedAt: string;
  /** Set by `documents retire`: the version no longer runs and no longer blocks a schema check. */
  retiredAt: string | null;
  operations: RegisteredOperation[];
}

/** Uses of one registered document by one client version, counted at the edge. */
export interface DocumentUse {
  client: string;
  version: string;
  id: string;
  count: number;
}

/** What the edge counted for a client version. */
export interface VersionUsage {
  client: string;
  version: string;
  /** Epoch ms of the last flush that carried a use of this version. */
  lastSeenAt: number | undefined;
  /** Uses per document id. */
  byDocument: Record<string, number>;
}

/**
 * Storage port for client contracts; the CLI writes versions, the edge reads them and writes
 * uses, the BFFs read them at start. Redis and file implementations pass one contract suite.
 */
export interface DocumentStore {
  /** Register (or replace) a version's operations; the version is live afterwards. */
  push(
    version: Pick<ClientVersion, 'client' | 'version' | 'surface'>,
    operations: readonly (RegisteredOperation & { body: string })[],
  ): Promise<ClientVersion>;
  /** Mark a version retired; undefined when it was never pushed. */
  retire(client: string, version: string): Promise<ClientVersion | undefined>;
  versions(): Promise<ClientVersion[]>;
  /** Bodies of the given document ids (missing ids are absent from the map). */
  bodies(ids: readonly string[]): Promise<Map<string, string>>;
  /** Changes whenever a version is pushed or retired: a reader reloads only when it moved. */
  stamp(): Promise<string>;
  recordUses(uses: readonly DocumentUse[], at: number): Promise<void>;
  usage(): Promise<VersionUsage[]>;
  close(): Promise<void>;
}

export const versionKey = (client: string, version: string) => `${client}@${version}`;
