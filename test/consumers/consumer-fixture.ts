import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevTokenClaims, loadOrCreateSigningKey, mintDevToken, Redis } from '@edge/common';
import {
  ORDER_EVENT_VERSION,
  type OrderCancelled,
  type OrderConfirmed,
  orderEventId,
} from '@edge/order-events';
import { startServicesMock } from '@edge/services-mock';
import { type ManagedProcess, spawnService } from '@edge/stack';
import { startWebhookReceiver, type WebhookReceiver } from '@edge/testkit';

const ROOT = join(import.meta.dirname, '..', '..');
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface ConsumerWorld {
  redis: Redis;
  stream: string;
  mock: Awaited<ReturnType<typeof startServicesMock>>;
  alerts: WebhookReceiver;
  processes: ManagedProcess[];
  /** The dev IdP key file this world's consumers trust (`DEV_IDP_KEY_FILE`, as the saga reads it). */
  idpKeyFile: string;
  /**
   * An operator token signed with that key, with the saga's default issuer and audience; `claims`
   * override them (another audience, an expired lifetime, no roles).
   */
  operatorToken(role: 'viewer' | 'operator', claims?: Partial<DevTokenClaims>): Promise<string>;
  /** Start one consumers process for `groups` (comma-separated) with the product's defaults. */
  startConsumers(groups: string, env?: Record<string, string>): Promise<ManagedProcess>;
  /** Append an OrderConfirmed as the saga does; returns its event id. */
  publishConfirmed(n: number, userId?: string): Promise<string>;
  /** Append the OrderCancelled the saga publishes when a confirmed order is cancelled. */
  publishCancelled(n: number, userId?: string): Promise<string>;
  outbox(): Promise<{ orderId: string; idempotencyKey: string }[]>;
  metric(proc: ManagedProcess, name: string, group: string): Promise<number | undefined>;
  close(): Promise<void>;
}

export async function startConsumerWorld(): Promise<ConsumerWorld> {
  const redis = new Redis(REDIS_URL);
  const stream = `consumers-test:${randomUUID()}:{orders}:events:order`;
  const mock = await startServicesMock({ logLevel: 'warn' });
  const alerts = await startWebhookReceiver();
  const processes: ManagedProcess[] = [];
  const keysDir = await mkdtemp(join(tmpdir(), 'consumers-idp-'));
  const idpKeyFile = join(keysDir, 'dev-idp.json');
  const idpKey = await loadOrCreateSigningKey(idpKeyFile);
  return {
    redis,
    stream,
    mock,
    alerts,
    processes,
    idpKeyFile,
    operatorToken: (role, claims = {}) =>
      mintDevToken(idpKey, {
        userId: `${role}@example.com`,
        issuer: 'https://dev-idp.local',
        audience: 'edge-operator',
        roles: [role],
        ...claims,
      }),
    async startConsumers(groups, env = {}) {
      const proc = await spawnService({
        name: `consumers-${groups}`,
        entry: join(ROOT, 'packages/consumers/src/main.ts'),
        cwd: ROOT,
        env: {
          REDIS_URL,
          STORE_MODE: 'redis',
          PORT: '0',
          LOG_LEVEL: 'info',
          ORDER_EVENTS_STREAM: stream,
          CONSUMER_GROUPS: groups,
          INVENTORY_SERVICE_URL: mock.urls.inventory,
          USER_SERVICE_URL: mock.urls.user,
          NOTIFICATION_SERVICE_URL: mock.urls.notification,
          ALERT_WEBHOOK_URL: alerts.url,
          DEV_IDP_KEY_FILE: idpKeyFile,
          ...env,
        },
      });
      processes.push(proc);
      return proc;
    },
    async publishConfirmed(n, userId = 'u-1') {
      const event: OrderConfirmed = {
        id: orderEventId(`sg-test-${n}`, 'OrderConfirmed'),
        type: 'OrderConfirmed',
        version: ORDER_EVENT_VERSION,
        occurredAt: new Date().toISOString(),
        data: {
          sagaId: `sg-test-${n}`,
          orderId: `o-test-${n}`,
          userId,
          partnerId: null,
          items: [{ productId: 'p-1', quantity: 1 }],
          totalCents: 1000,
          currency: 'USD',
        },
      };
      await redis.xadd(stream, '*', 'event', JSON.stringify(event));
      return event.id;
    },
    async publishCancelled(n, userId = 'u-1') {
      const event: OrderCancelled = {
        id: orderEventId(`sg-test-${n}`, 'OrderCancelled'),
        type: 'OrderCancelled',
        version: ORDER_EVENT_VERSION,
        occurredAt: new Date().toISOString(),
        data: { sagaId: `sg-test-${n}`, orderId: `o-test-${n}`, userId, reason: 'customer' },
      };
      await redis.xadd(stream, '*', 'event', JSON.stringify(event));
      return event.id;
    },
    async outbox() {
      const res = await fetch(`${mock.urls.notification}/__outbox`);
      return ((await res.json()) as { items: { orderId: string; idempotencyKey: string }[] }).items;
    },
    async metric(proc, name, group) {
      const text = await (
        await fetch(`http://127.0.0.1:${String(proc.ready['port'])}/metrics`)
      ).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith(`${name}{`) && l.includes(`group="${group}"`));
      return line === undefined ? undefined : Number(line.split(' ').pop());
    },
    async close() {
      for (const proc of processes) await proc.stop();
      await mock.close();
      await alerts.close();
      await rm(keysDir, { recursive: true, force: true });
      // This test's stream and every key under its hash tag.
      const keys = await redis.keys(`consumers-test:*${stream.split(':')[1]}*`);
      if (keys.length > 0) await redis.unlink(...keys);
      await redis.quit();
    },
  };
}
