import { env, loadConfig, z } from '@edge/common';
import type { MockServiceName } from './types';

/** Documented port of each mock (docs/services-mock.md). */
export const DEFAULT_PORTS: Readonly<Record<MockServiceName, number>> = Object.freeze({
  order: 4010,
  product: 4011,
  user: 4012,
  inventory: 4013,
  payment: 4014,
  shipping: 4015,
});

const schema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: env.logLevel(),
  ORDER_PORT: env.port(DEFAULT_PORTS.order),
  PRODUCT_PORT: env.port(DEFAULT_PORTS.product),
  USER_PORT: env.port(DEFAULT_PORTS.user),
  INVENTORY_PORT: env.port(DEFAULT_PORTS.inventory),
  PAYMENT_PORT: env.port(DEFAULT_PORTS.payment),
  SHIPPING_PORT: env.port(DEFAULT_PORTS.shipping),
});

export interface ServicesMockConfig {
  host: string;
  logLevel: string;
  ports: Readonly<Record<MockServiceName, number>>;
}

/** The only reader of the environment in this package; fails at start on a bad value. */
export function loadServicesMockConfig(
  source: Record<string, string | undefined> = process.env,
): Readonly<ServicesMockConfig> {
  const raw = loadConfig(schema, source);
  return Object.freeze({
    host: raw.HOST,
    logLevel: raw.LOG_LEVEL,
    ports: Object.freeze({
      order: raw.ORDER_PORT,
      product: raw.PRODUCT_PORT,
      user: raw.USER_PORT,
      inventory: raw.INVENTORY_PORT,
      payment: raw.PAYMENT_PORT,
      shipping: raw.SHIPPING_PORT,
    }),
  });
}
