import { loadSchema, startBff } from '@edge/bff-runtime';
import { createLogger, onShutdown, runMain } from '@edge/common';
import { loadConfig } from './config';
import { resolvers } from './resolvers';

const bootLog = createLogger({ service: 'bff-mobile' });

runMain(bootLog, async () => {
  const bff = await startBff({
    name: 'bff-mobile',
    config: loadConfig(),
    schemas: [
      {
        path: '/graphql',
        typeDefs: loadSchema(new URL('./schema.graphql', import.meta.url)),
        resolvers,
      },
    ],
  });
  onShutdown(bff.log, bff.close);
});
