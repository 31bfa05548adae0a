import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';

const PLACE = `mutation Place($input: PlaceOrderInput!) {
  placeOrder(input: $input) { id status orderId }
}`;
const STATUS = 'query S($id: ID!) { orderStatus(id: $id) { id status orderId } }';
const CANCEL = `mutation C($id: ID!, $key: String!) {
  cancelOrder(id: $id, idempotencyKey: $key) { id status orderId }
}`;

const line = { productId: 'p-1', quantity: 1 };

interface Ledger {
  orders: Record<string, { charges: unknown[]; refunds: unknown[] }>;
}

describe('order mutations on every surface go through the saga orchestrator', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const ledger = async (): Promise<Ledger> =>
    (await (await fetch(`${stack.urls.mock.payment}/__ledger`)).json()) as Ledger;

  /** saga_events_total{type="saga_created"} on the orchestrator (the dashboard charts it). */
  const sagasCreated = async (): Promise<number> => {
    const text = await (await fetch(`${stack.urls.saga}/metrics`)).text();
    return Number(/saga_events_total\{[^}]*type="saga_created"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
  };

  it('web: placeOrder completes, a retry with the same key returns the same saga (counted once as created), another order under it is CONFLICT', async () => {
    const token = await stack.token('web', 'u-7');
    const input = { idempotencyKey: randomUUID(), items: [line] };
    const createdBefore = await sagasCreated();
    const first = await stack.gql('/web/graphql', PLACE, { token }, { input });
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.placeOrder.status).toBe('COMPLETED');
    const again = await stack.gql('/web/graphql', PLACE, { token }, { input });
    expect(again.body.data.placeOrder.id).toBe(first.body.data.placeOrder.id);
    const orderId = first.body.data.placeOrder.orderId as string;
    expect((await ledger()).orders[orderId]?.charges).toHaveLength(1);
    expect(await sagasCreated()).toBe(createdBefore + 1);
    // The same key with an edited cart is refused, not answered with the first order.
    const edited = { ...input, items: [{ ...line, quantity: 3 }] };
    const refused = await stack.gql('/web/graphql', PLACE, { token }, { input: edited });
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors[0]).toMatchObject({
      message: 'idempotencyKey was already used for a different order: send a new key for this one',
      extensions: { code: 'CONFLICT', reason: 'idempotency_key_reused' },
    });
    expect(await sagasCreated()).toBe(createdBefore + 1);
  });

  it('two users choosing the same idempotency key get two different orders', async () => {
    const idempotencyKey = randomUUID();
    const [a, b] = await Promise.all(
      ['u-8', 'u-9'].map(async (user) =>
        stack.gql(
          '/web/graphql',
          PLACE,
          { token: await stack.token('web', user) },
          { input: { idempotencyKey, items: [line] } },
        ),
      ),
    );
    expect(a?.body.data.placeOrder.id).not.toBe(b?.body.data.placeOrder.id);
  });

  it('orderStatus shows the owner their saga and nobody else', async () => {
    const owner = await stack.token('mobile', 'u-10');
    const placed = await stack.gql(
      '/mobile/graphql',
      PLACE,
      { token: owner },
      { input: { idempotencyKey: randomUUID(), items: [line] } },
    );
    const id = placed.body.data.placeOrder.id as string;
    const mine = await stack.gql('/mobile/graphql', STATUS, { token: owner }, { id });
    expect(mine.body.data.orderStatus).toMatchObject({ id, status: 'COMPLETED' });
    const stranger = await stack.token('mobile', 'u-11');
    const theirs = await stack.gql('/mobile/graphql', STATUS, { token: stranger }, { id });
    expect(theirs.body.data.orderStatus).toBeNull();
  });

  it('a user naming a customerId is refused, not charged for an order meant for someone else', async () => {
    const token = await stack.token('web', 'u-15');
    const before = (await stack.mock.calls('order'))['POST /orders'] ?? 0;
    const refused = await stack.gql(
      '/web/graphql',
      PLACE,
      { token },
      { input: { idempotencyKey: randomUUID(), customerId: 'u-16', items: [line] } },
    );
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors[0]).toMatchObject({
      message: 'customerId is for partner orders',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect((await stack.mock.calls('order'))['POST /orders'] ?? 0).toBe(before);
  });

  it('a product id padded with spaces is refused, so the total cap cannot be dodged', async () => {
    const token = await stack.token('web', 'u-17');
    const before = (await stack.mock.calls('order'))['POST /orders'] ?? 0;
    const padded = Array.from({ length: 50 }, () => ({ productId: ' p-36', quantity: 1000 }));
    const refused = await stack.gql(
      '/web/graphql',
      PLACE,
      { token },
      { input: { idempotencyKey: randomUUID(), items: padded } },
    );
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await stack.mock.calls('order'))['POST /orders'] ?? 0).toBe(before);
  });

  it('cancelOrder refunds the customer exactly once; a stranger gets NOT_FOUND', async () => {
    const token = await stack.token('web', 'u-12');
    const placed = await stack.gql(
      '/web/graphql',
      PLACE,
      { token },
      { input: { idempotencyKey: randomUUID(), items: [line] } },
    );
    const orderId = placed.body.data.placeOrder.orderId as string;
    const stranger = await stack.token('web', 'u-13');
    const denied = await stack.gql(
      '/web/graphql',
      CANCEL,
      { token: stranger },
      { id: orderId, key: randomUUID() },
    );
    expect(denied.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const key = randomUUID();
    const cancelled = await stack.gql('/web/graphql', CANCEL, { token }, { id: orderId, key });
    expect(cancelled.body.data.cancelOrder.status).toBe('COMPENSATED');
    await stack.gql('/web/graphql', CANCEL, { token }, { id: orderId, key });
    expect((await ledger()).orders[orderId]?.refunds).toHaveLength(1);
  });

  it("partner placeOrder acts only for the partner's own customers, and is scoped to the partner", async () => {
    const apiKey = await stack.partnerKey({
      partnerId: 'partner-acme',
      versions: ['v2'],
      tier: 'pro',
    });
    const place = (customerId?: string) =>
      stack.gql(
        '/partner/v2/graphql',
        PLACE,
        { apiKey },
        {
          input: {
            idempotencyKey: randomUUID(),
            items: [line],
            ...(customerId ? { customerId } : {}),
          },
        },
      );
    expect((await place()).body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    // A platform user, another partner's customer and an unknown id get the same answer, and
    // no saga is started for any of them.
    const before = (await stack.mock.calls('order'))['POST /orders'] ?? 0;
    for (const stranger of ['u-14', 'u-290', 'u-9999']) {
      const refused = await place(stranger);
      expect(refused.body.data).toBeNull();
      expect(refused.body.errors[0]).toMatchObject({
        message: 'customerId is not one of your customers',
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    expect((await stack.mock.calls('order'))['POST /orders'] ?? 0).toBe(before);
    const placed = await place('u-251');
    expect(placed.body.data.placeOrder.status).toBe('COMPLETED');
    const orders = await stack.gql('/partner/v2/graphql', '{ orders(first: 5) { id } }', {
      apiKey,
    });
    const ids = (orders.body.data.orders as { id: string }[]).map((o) => o.id);
    expect(ids).toContain(placed.body.data.placeOrder.orderId);
  });

  it('a user id that extends another with a separator neither reads nor takes over its flows', async () => {
    const short = await stack.token('web', 'u-2');
    const long = await stack.token('web', 'u-2:x');
    const key = randomUUID();
    const theirs = await stack.gql(
      '/web/graphql',
      PLACE,
      { token: long },
      { input: { idempotencyKey: key, items: [line] } },
    );
    const sagaId = theirs.body.data.placeOrder.id as string;
    const read = await stack.gql('/web/graphql', STATUS, { token: short }, { id: sagaId });
    expect(read.body.data.orderStatus).toBeNull();
    // Under a joined `user:<id>:<key>` these two were one client key, so one saga.
    const mine = await stack.gql(
      '/web/graphql',
      PLACE,
      { token: short },
      { input: { idempotencyKey: `x:${key}`, items: [line] } },
    );
    expect(mine.body.data.placeOrder.id).not.toBe(sagaId);
    expect(mine.body.data.placeOrder.status).toBe('COMPLETED');
  });

  it('invalid order input returns BAD_USER_INPUT and reaches no service', async () => {
    const token = await stack.token('web', 'u-15');
    await stack.mock.resetCalls('order');
    const res = await stack.gql(
      '/web/graphql',
      PLACE,
      { token },
      { input: { idempotencyKey: randomUUID(), items: [{ productId: 'p-1', quantity: 0 }] } },
    );
    expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(await stack.mock.calls('order')).toEqual({});
  });

  it('an order whose total would not fit the Int money fields is BAD_USER_INPUT, placed nowhere', async () => {
    const token = await stack.token('web', 'u-17');
    const created = await fetch(`${stack.urls.mock.product}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        idempotencyKey: randomUUID(),
        name: 'Gold bar',
        priceCents: 5_000_000,
        stock: 10_000,
        actor: 'test',
        reason: 'an expensive product',
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    await stack.mock.resetCalls('order');
    // 1,000 x 5,000,000 cents is past 2^31 - 1; 400 x is not.
    const place = (quantity: number) =>
      stack.gql(
        '/web/graphql',
        PLACE,
        { token },
        { input: { idempotencyKey: randomUUID(), items: [{ productId: id, quantity }] } },
      );
    const refused = await place(1000);
    expect(refused.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(refused.body.errors[0].message).toMatch(/total/);
    expect(await stack.mock.calls('order')).toEqual({});
    const placed = await place(400);
    expect(placed.body.errors).toBeUndefined();
    expect(placed.body.data.placeOrder.id).toBeDefined();
  });

  it('with the product service down, placeOrder is not blocked by its total check: the order service prices it', async () => {
    const token = await stack.token('web', 'u-18');
    await stack.mock.fault('product', { mode: 'down' });
    try {
      const res = await stack.gql(
        '/web/graphql',
        PLACE,
        { token },
        { input: { idempotencyKey: randomUUID(), items: [line] } },
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.placeOrder.status).toBe('COMPLETED');
    } finally {
      await stack.mock.clearFaults('product');
    }
  });

  it('with the orchestrator down, placeOrder answers UPSTREAM_UNAVAILABLE naming it, never a 500', async () => {
    const token = await stack.token('web', 'u-16');
    await stack.kill('saga');
    try {
      const res = await stack.gql(
        '/web/graphql',
        PLACE,
        { token },
        { input: { idempotencyKey: randomUUID(), items: [line] } },
      );
      expect(res.status).toBe(200);
      expect(res.body.errors[0].extensions).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        service: 'saga',
      });
    } finally {
      await stack.restart('saga');
    }
    const retried = await stack.gql(
      '/web/graphql',
      PLACE,
      { token },
      { input: { idempotencyKey: randomUUID(), items: [line] } },
    );
    expect(retried.body.data.placeOrder.status).toBe('COMPLETED');
  });
});
