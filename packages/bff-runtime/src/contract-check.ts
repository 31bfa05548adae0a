import {
  createFailFastRedis,
  type Logger,
  type RedisTarget,
  resolveStoreKind,
  type StoreMode,
} from '@edge/common';
import {
  checkLiveDocuments,
  createFileDocumentStore,
  createRedisDocumentStore,
  type DocumentStore,
} from '@edge/contracts';
import type { GraphQLSchema } from 'graphql';

export interface ContractCheckOptions {
  storeMode: StoreMode;
  redis: RedisTarget;
  prefix: string;
  /** The file store's directory when there is no Redis. */
  dir: string;
  /** `log`: start anyway, one error line per broken operation; `refuse`: fail the start. */
  onBreak: 'log' | 'refuse';
}

async function openStore(options: ContractCheckOptions, log: Logger): Promise<DocumentStore> {
  const kind = await resolveStoreKind(options.storeMode, options.redis, log);
  return kind === 'redis'
    ? createRedisDocumentStore(
        createFailFastRedis(options.redis, { enableOfflineQueue: true }),
        options.prefix,
      )
    : createFileDocumentStore(options.dir);
}

/**
 * At start, validate every live client version's registered operations against the schemas
 * this BFF is about to serve, so a deploy that drops a field a shipped app still selects is
 * said at once, naming client, version and operation, instead of surfacing as that app's
 * errors. The store being unreachable is a warning, never a reason not to start.
 */
export async function checkClientContracts(
  schemas: readonly { surface: string; schema: GraphQLSchema }[],
  options: ContractCheckOptions,
  log: Logger,
): Promise<void> {
  let store: DocumentStore | undefined;
  let broken = 0;
  try {
    store = await openStore(options, log);
    for (const { surface, schema } of schemas) {
      const result = await checkLiveDocuments(store, surface, schema);
      for (const b of result.broken) {
        log.error(
          {
            surface,
            client: b.client,
            clientVersion: b.version,
            operation: b.operation,
            errors: b.errors,
          },
          'SCHEMA BREAKS A LIVE CLIENT VERSION: its registered operation no longer validates',
        );
      }
      broken += result.broken.length;
    }
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'client contracts not checked: store unreachable');
  } finally {
    await store?.close();
  }
  if (broken > 0 && options.onBreak === 'refuse') {
    throw new Error(
      `the schema breaks ${broken} operation(s) of live client versions (CONTRACTS_ON_BREAK=refuse)`,
    );
  }
}
