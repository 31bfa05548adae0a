import { runBff } from '@edge/bff-runtime';
import { loadBffMobileConfig } from './config.js';
import { mobileSchema } from './mobile-schema.js';

runBff({
  name: 'bff-mobile',
  surface: 'mobile',
  config: loadBffMobileConfig,
  schemas: () => [mobileSchema()],
});
