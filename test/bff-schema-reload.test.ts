import { waitUntil } from '@edge/testkit';
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
    const after = await waitUntil(
      'the gateway to validate the new field',
      async () => {
        const answer = await stack.gql('/web/graphql', PREVIEW, { token });
        return answer.status === 200 ? answer : undefined;
      },
      30_000,
      100,
    );
    expect(after.body).toEqual({ data: { product: { id: 'p-1', inStock: true } } });
    expect(stack.processes.get('gateway')?.child.pid).toBe(gatewayPid);
  });
});
