import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../harness';
import { until } from './consumer-fixture';

const PLACE = `mutation Place($input: PlaceOrderInput!) {
  placeOrder(input: $input) { id status orderId }
}`;
const CANCEL = `mutation C($id: ID!, $key: String!) {
  cancelOrder(id: $id, idempotencyKey: $key) { id status orderId }
}`;

interface Email {
  orderId: string;
  template: string;
  to: string;
}
interface PickList {
  orderId: string;
  status: string;
  lines: { productId: string; quantity: number }[];
}

describe('post-checkout events on the whole stack', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const outbox = async () =>
    ((await (await fetch(`${stack.urls.mock.notification}/__outbox`)).json()) as { items: Email[] })
      .items;
  const pickLists = async () =>
    (
      (await (await fetch(`${stack.urls.mock.inventory}/__pick-lists`)).json()) as {
        items: PickList[];
      }
    ).items;

  it('a placed order gets one pick list and one confirmation email; its cancel cancels the pick list and sends one cancellation email', async () => {
    const token = await stack.token('web', 'u-21');
    const placed = await stack.gql(
      '/web/graphql',
      PLACE,
      { token },
      { input: { idempotencyKey: randomUUID(), items: [{ productId: 'p-3', quantity: 2 }] } },
    );
    expect(placed.body.data.placeOrder.status).toBe('COMPLETED');
    const orderId = placed.body.data.placeOrder.orderId as string;
    const confirmation = await until('the confirmation email', 30_000, async () =>
      (await outbox()).find((e) => e.orderId === orderId && e.template === 'order_confirmed'),
    );
    expect(confirmation.to).toContain('@');
    const list = await until('the pick list', 30_000, async () =>
      (await pickLists()).find((l) => l.orderId === orderId),
    );
    expect(list.lines).toEqual([{ productId: 'p-3', quantity: 2 }]);

    const cancelled = await stack.gql(
      '/web/graphql',
      CANCEL,
      { token },
      { id: orderId, key: randomUUID() },
    );
    expect(cancelled.body.data.cancelOrder.status).toBe('COMPENSATED');
    await until('the pick list cancelled', 30_000, async () =>
      (await pickLists()).find((l) => l.orderId === orderId && l.status === 'cancelled'),
    );
    await until('the cancellation email', 30_000, async () =>
      (await outbox()).find((e) => e.orderId === orderId && e.template === 'order_cancelled'),
    );
    const mine = (await outbox()).filter((e) => e.orderId === orderId).map((e) => e.template);
    expect(mine.sort()).toEqual(['order_cancelled', 'order_confirmed']);
    // Every group finished: nothing left unprocessed, nothing dead-lettered.
    await until('every group caught up', 15_000, async () => {
      const now = (await (await fetch(`${stack.urls.consumers}/groups`)).json()) as {
        groups: { lag: number; dlqDepth: number }[];
      };
      return now.groups.every((g) => g.lag === 0 && g.dlqDepth === 0) ? true : undefined;
    });
  });
});
