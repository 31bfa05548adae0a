export {
  createKey,
  type IssuedKey,
  type NewKeyOptions,
  revokeKey,
  rotateKey,
  verifyKey,
} from './api-keys.js';
export { loadGatewayConfig } from './config.js';
export { KEY_CACHE_TTL_MS } from './defaults.js';
export {
  type ApiVersion,
  createFileKeyStore,
  createRedisKeyStore,
  type KeyStore,
  type PartnerKeyRecord,
  type Tier,
} from './key-store.js';
export { SURFACE_NAMES, type SurfaceName } from './surfaces.js';
