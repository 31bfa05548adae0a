import { loadSchema, startBff } from '@edge/bff-runtime';
import { createLogger, onShutdown, runMain } from '@edge/common';
import { loadConfig } from './config';
import { resolversV1, resolversV2 } from './resolvers';

const bootLog = createLogger({ service: 'bff-partner' });

runMain(bootLog, async () => {
  const bff = await startBff({
    name: 'bff-partner',
    config: loadConfig(),
    schemas: [
      {
        path: '/v1/graphql',
        typeDefs: loadSchema(new URL('./schema-v1.graphql', import.meta.url)),
        resolvers: resolversV1,
      },
      {
        path: '/v2/graphql',
        typeDefs: loadSchema(new URL('./schema-v2.graphql', import.meta.url)),
        resolvers: resolversV2,
      },
    ],
  });
  onShutdown(bff.log, bff.close);
});
