import { runBff } from '@edge/bff-runtime';
import { loadBffWebConfig } from './config.js';
import { webSchema } from './web-schema.js';

runBff({
  name: 'bff-web',
  surface: 'web',
  config: loadBffWebConfig,
  schemas: (config) => [webSchema(config)],
});
