import { join } from 'node:path';
import { spawnService } from '@edge/stack';
import { repoRoot } from './bench-stack';

const SERVICES = [
  'order',
  'product',
  'user',
  'inventory',
  'payment',
  'shipping',
  'notification',
] as const;
type Service = (typeof SERVICES)[number];

export interface MockProcess {
  urls: Record<Service, string>;
  close(): Promise<void>;
}

/**
 * services-mock as its own process on free ports, in memory (no product stream), so its CPU is
 * not the measured process's and both sides of a comparison call the same one.
 */
export async function startMockProcess(): Promise<MockProcess> {
  const env: Record<string, string> = { STORE_MODE: 'memory', LOG_LEVEL: 'info' };
  for (const service of SERVICES) env[`${service.toUpperCase()}_PORT`] = '0';
  const proc = await spawnService({
    name: 'services-mock',
    entry: join(repoRoot, 'packages/services-mock/src/main.ts'),
    cwd: repoRoot,
    env,
    readyMessage: 'services-mock ready',
  });
  const ports = proc.ready['ports'] as Record<Service, number>;
  const urls = Object.fromEntries(
    SERVICES.map((service) => [service, `http://127.0.0.1:${ports[service]}`]),
  ) as Record<Service, string>;
  return { urls, close: () => proc.stop() };
}
