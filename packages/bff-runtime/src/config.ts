import { join } from 'node:path';
import { env, loadConfig, z } from '@edge/common';

/** Environment every BFF reads; each BFF's own config.ts calls this with its default port. */
export function loadBffConfig(defaultPort: number, source = process.env) {
  const schema = z
    .object({
      PORT: env.port(defaultPort),
      HOST: z.string().default('127.0.0.1'),
      NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
      LOG_LEVEL: env.logLevel(),
      DATA_DIR: z.string().default('.data'),
      EDGE_PUBLIC_KEY_FILE: z.string().optional(),
      ORDER_SERVICE_URL: env.url('http://127.0.0.1:4010'),
      PRODUCT_SERVICE_URL: env.url('http://127.0.0.1:4011'),
      USER_SERVICE_URL: env.url('http://127.0.0.1:4012'),
      SAGA_URL: env.url('http://127.0.0.1:4020'),
      UPSTREAM_TIMEOUT_MS: env.int(1000),
    })
    .transform((c) => ({
      port: c.PORT,
      host: c.HOST,
      production: c.NODE_ENV === 'production',
      logLevel: c.LOG_LEVEL,
      edgePublicKeyFile: c.EDGE_PUBLIC_KEY_FILE ?? join(c.DATA_DIR, 'keys', 'edge.json'),
      services: {
        order: c.ORDER_SERVICE_URL,
        product: c.PRODUCT_SERVICE_URL,
        user: c.USER_SERVICE_URL,
      },
      sagaUrl: c.SAGA_URL,
      upstreamTimeoutMs: c.UPSTREAM_TIMEOUT_MS,
    }));
  return loadConfig(schema, source);
}

export type BffConfig = ReturnType<typeof loadBffConfig>;
