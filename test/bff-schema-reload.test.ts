import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';

const PREVIEW = '{ product(id: "p-1") { id inStock } }';

describe('BFF schema change reaches the edge', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ envFor: { gateway: { SCHEMA_POLL_MS: '200' } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a field added by a restarted bff-web validates at the gateway without restarting it', async () => {
    const token = await stack.token('web', 'u-1');
    const before = await stack.gql('/web/graphql', PREVIEW, { token });
    expect(before.status).toBe(400);
    expect(before.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const gatewayPid = stack.processes.get('gateway')?.child.pid;

    await stack.restartBffWith('bff-web', { WEB_PREVIEW_FIELDS: 'true' });
    const end = Date.now() + 15_000;
    let after = before;
    while (Date.now() < end) {
      after = await stack.gql('/web/graphql', PREVIEW, { token });
      if (after.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ data: { product: { id: 'p-1', inStock: true } } });
    expect(stack.processes.get('gateway')?.child.pid).toBe(gatewayPid);
  });
});
