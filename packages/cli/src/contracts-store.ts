import { join } from 'node:path';
import { createFailFastRedis, resolveStoreKind } from '@edge/common';
import {
  createFileDocumentStore,
  createRedisDocumentStore,
  type DocumentStore,
} from '@edge/contracts';
import type { CommandContext } from './command.js';

/** The client-contracts store the gateway reads: Redis, or `.data/contracts/` when embedded. */
export async function openDocumentStore({ config, log }: CommandContext): Promise<DocumentStore> {
  const kind = await resolveStoreKind(config.storeMode, config.redis, log);
  return kind === 'redis'
    ? createRedisDocumentStore(
        createFailFastRedis(config.redis, { enableOfflineQueue: true }),
        config.contractsPrefix,
      )
    : createFileDocumentStore(join(config.dataDir, 'contracts'));
}
