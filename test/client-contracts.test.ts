import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFailFastRedis } from '@edge/common';
import { sha256Hex } from '@edge/contracts';
import { deleteKeysWithPrefix, waitUntil } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUrl, root, startTestStack, type TestStack } from './harness';

const HOME = 'query Home { home { userName recentOrders { id status } } }';
const ORDERS = 'query Orders { orderSummaries(first: 5) { id status itemCount } }';
const UNREGISTERED = 'query Sneaky { orderSummaries(first: 50) { id total { amountCents } } }';

const manifest = (...bodies: [string, string][]) => ({
  format: 'apollo-persisted-query-manifest',
  version: 1,
  operations: bodies.map(([name, body]) => ({ id: sha256Hex(body), name, type: 'query', body })),
});

describe('client contracts on the whole stack', () => {
  const prefix = `e2e:contracts:${randomUUID()}`;
  let stack: TestStack;
  let mobileToken: string;

  /** `npm run -s cli -- <args>`, on the stack's Redis and contract prefix. */
  const cli = (...args: string[]) => {
    const res = spawnSync(process.execPath, ['scripts/run.mjs', 'cli', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        REDIS_URL: redisUrl,
        STORE_MODE: 'redis',
        CONTRACTS_PREFIX: prefix,
        DATA_DIR: stack.dataDir,
      },
    });
    return { code: res.status, out: res.stdout, err: res.stderr };
  };
  const file = (name: string, content: unknown) => {
    const path = join(stack.dataDir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const asMobile = (version: string, query: string) =>
    stack.gql('/mobile/graphql', query, {
      token: mobileToken,
      headers: {
        'apollographql-client-name': 'mobile',
        'apollographql-client-version': version,
      },
    });

  beforeAll(async () => {
    stack = await startTestStack({
      env: { CONTRACTS_PREFIX: prefix, CONTRACTS_REFRESH_MS: '100', DOCUMENT_USES_FLUSH_MS: '100' },
    });
    mobileToken = await stack.token('mobile', 'u-1');
  });
  afterAll(async () => {
    await stack?.stop();
    const redis = createFailFastRedis(redisUrl, { enableOfflineQueue: true });
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  it('documents push registers 5.2.0; its documents run, an unregistered one is refused with DOCUMENT_NOT_REGISTERED', async () => {
    const pushed = cli(
      'documents',
      'push',
      '--client',
      'mobile',
      '--version',
      '5.2.0',
      file('mobile-5.2.0.json', manifest(['Home', HOME], ['Orders', ORDERS])),
    );
    expect(pushed, pushed.err).toMatchObject({ code: 0, out: '' });
    expect(pushed.err).toMatch(/pushed 2 operation\(s\) for mobile@5.2.0 on mobile/);
    const refused = await waitUntil('5.2.0 to reach the edge', async () => {
      const res = await asMobile('5.2.0', UNREGISTERED);
      return res.status === 403 ? res : undefined;
    });
    expect(refused.body.errors[0].extensions).toMatchObject({
      code: 'DOCUMENT_NOT_REGISTERED',
      contract: 'unregistered_document',
      client: 'mobile',
      clientVersion: '5.2.0',
    });
    const orders = await asMobile('5.2.0', ORDERS);
    expect(orders.status).toBe(200);
    expect(orders.body.data.orderSummaries.length).toBeGreaterThan(0);
    expect((await asMobile('5.2.0', HOME)).status).toBe(200);
  });

  it('documents list shows the version with its operation count', () => {
    const listed = cli('documents', 'list', '--json');
    expect(listed.code).toBe(0);
    const rows = listed.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toEqual([
      expect.objectContaining({
        client: 'mobile',
        version: '5.2.0',
        operations: 2,
        retiredAt: null,
      }),
    ]);
  });

  it('a manifest whose id is not the hash of its body is misuse: exit 2, nothing pushed', () => {
    const bad = manifest(['Home', HOME]);
    const [first] = bad.operations;
    if (first) first.id = sha256Hex(ORDERS);
    const res = cli(
      'documents',
      'push',
      '--client',
      'mobile',
      '--version',
      '9.0.0',
      file('bad.json', bad),
    );
    expect(res.code).toBe(2);
    expect(res.err).toMatch(/not the SHA-256/);
  });
});
