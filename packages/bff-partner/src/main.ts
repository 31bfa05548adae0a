import { runBff } from '@edge/bff-runtime';
import { loadBffPartnerConfig } from './config.js';
import { partnerSchemas } from './partner-schemas.js';

runBff({
  name: 'bff-partner',
  surface: 'partner',
  config: loadBffPartnerConfig,
  schemas: () => partnerSchemas(),
  // Partners' catalogue facts, denormalised for them by the projection.
  productView: 'partner',
});
