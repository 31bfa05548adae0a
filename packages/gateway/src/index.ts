export {
  createKey,
  type IssuedKey,
  type NewKeyOptions,
  revokeKey,
  rotateKey,
  verifyKey,
} from './api-keys';
export { loadConfig as loadGatewayConfig } from './config';
export {
  type ApiVersion,
  createFileKeyStore,
  createRedisKeyStore,
  type KeyStore,
  type PartnerKeyRecord,
  type Tier,
} from './key-store';
export { SURFACE_NAMES, type SurfaceName } from './surfaces';
