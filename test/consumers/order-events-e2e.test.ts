import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { loadOrCreateSigningKey, mintDevToken } from '@edge/common';
import { waitUntil } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../harness';

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

  /**
   * An operator token from the dev IdP of the stack's data dir: the orchestrator and the
   * consumers both trust it with no variable set, as `npm start` runs them.
   */
  const operator = async (role: 'operator' | 'viewer') =>
    mintDevToken(await loadOrCreateSigningKey(join(stack.dataDir, 'keys', 'dev-idp.json')), {
      userId: `${role}@example.com`,
      issuer: 'https://dev-idp.local',
      audience: 'edge-operator',
      roles: [role],
    });

  /** One unit of `productId` ordered on web by the signed-in user; the placeOrder answer. */
  const place = async (token: string, productId: string) =>
    (
      await stack.gql(
        '/web/graphql',
        PLACE,
        { token },
        { input: { idempotencyKey: randomUUID(), items: [{ productId, quantity: 1 }] } },
      )
    ).body.data.placeOrder as { id: string; status: string; orderId: string };
  const cancel = async (token: string, orderId: string) =>
    (await stack.gql('/web/graphql', CANCEL, { token }, { id: orderId, key: randomUUID() })).body
      .data.cancelOrder as { status: string };

  /** Every group caught up and none with a dead letter, read as an operator reads it. */
  const caughtUpWithoutDeadLetters = async () => {
    const res = await fetch(`${stack.urls.consumers}/groups`, {
      headers: { authorization: `Bearer ${await operator('viewer')}` },
    });
    const now = (await res.json()) as { groups: { lag: number; dlqDepth: number }[] };
    return now.groups.every((g) => g.lag === 0 && g.dlqDepth === 0) ? true : undefined;
  };

  const sagaHistory = async (sagaId: string) => {
    const res = await fetch(`${stack.urls.saga}/sagas/${encodeURIComponent(sagaId)}`, {
      headers: { authorization: `Bearer ${await operator('viewer')}` },
    });
    return ((await res.json()) as { history: { type: string }[] }).history.map((e) => e.type);
  };

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
    const confirmation = await waitUntil(
      'the confirmation email',
      async () =>
        (await outbox()).find((e) => e.orderId === orderId && e.template === 'order_confirmed'),
      30_000,
    );
    expect(confirmation.to).toContain('@');
    const list = await waitUntil(
      'the pick list',
      async () => (await pickLists()).find((l) => l.orderId === orderId),
      30_000,
    );
    expect(list.lines).toEqual([{ productId: 'p-3', quantity: 2 }]);

    expect((await cancel(token, orderId)).status).toBe('COMPENSATED');
    await waitUntil(
      'the pick list cancelled',
      async () =>
        (await pickLists()).find((l) => l.orderId === orderId && l.status === 'cancelled'),
      30_000,
    );
    await waitUntil(
      'the cancellation email',
      async () =>
        (await outbox()).find((e) => e.orderId === orderId && e.template === 'order_cancelled'),
      30_000,
    );
    const mine = (await outbox()).filter((e) => e.orderId === orderId).map((e) => e.template);
    expect(mine.sort()).toEqual(['order_cancelled', 'order_confirmed']);
    // Every group finished: nothing left unprocessed, nothing dead-lettered.
    await waitUntil('every group caught up', caughtUpWithoutDeadLetters, 15_000);
  });

  it('an order cancelled while its saga still runs publishes no OrderCancelled: no pick list to cancel, no fulfilment dead letter', async () => {
    // The charge answers 503 until cleared: the saga retries it and stays running.
    await stack.mock.fault('payment', { route: 'POST /charges', mode: 'error', status: 503 });
    let orderId = '';
    try {
      const token = await stack.token('web', 'u-23');
      const placed = await place(token, 'p-5');
      expect(placed.status).toBe('RUNNING');
      const sagaId = placed.id;
      orderId = placed.orderId;
      await cancel(token, orderId);
      await waitUntil(
        'the saga compensated after the cancel',
        async () => {
          const history = await sagaHistory(sagaId);
          return history.includes('compensated') ? history : undefined;
        },
        30_000,
      );
      const history = await sagaHistory(sagaId);
      expect(history).toContain('cancel_requested');
      expect(history).not.toContain('completed');
    } finally {
      await stack.mock.clearFaults('payment');
    }
    await waitUntil('every group caught up, no dead letter', caughtUpWithoutDeadLetters, 30_000);
    expect((await pickLists()).filter((l) => l.orderId === orderId)).toEqual([]);
    // Nothing was confirmed, so nothing is announced as cancelled either.
    expect((await outbox()).filter((e) => e.orderId === orderId)).toEqual([]);
  });

  it('a confirmed order whose cancel reaches fulfilment before its pick list exists still ends with a cancelled pick list, no dead letter', async () => {
    // The warehouse answers 503 to pick list creation: the confirmation is retried, and the
    // cancel meets a 404 (no list yet) until it is.
    await stack.mock.fault('inventory', { route: 'POST /pick-lists', mode: 'error', status: 503 });
    const token = await stack.token('web', 'u-24');
    const placed = await place(token, 'p-6');
    expect(placed.status).toBe('COMPLETED');
    const orderId = placed.orderId;
    expect((await cancel(token, orderId)).status).toBe('COMPENSATED');
    await waitUntil(
      'the cancel tried before the pick list exists',
      async () =>
        ((await stack.mock.calls('inventory'))['POST /pick-lists/:orderId/cancel'] ?? 0) > 0
          ? true
          : undefined,
      30_000,
    );
    await stack.mock.clearFaults('inventory');
    await waitUntil(
      'the pick list cancelled',
      async () =>
        (await pickLists()).find((l) => l.orderId === orderId && l.status === 'cancelled'),
      90_000,
    );
    await waitUntil('every group caught up, no dead letter', caughtUpWithoutDeadLetters, 60_000);
  });

  it('an email that failed every delivery is dead-lettered, shown on the operator page, and an operator (not a viewer) replays it from there: sent once', async () => {
    // The notification provider definitely refuses (a 4xx) every try until the event is
    // dead-lettered (5 tries; an outage, a 5xx, would be retried for hours instead).
    await stack.mock.fault('notification', { mode: 'error', status: 400, calls: 5 });
    const token = await stack.token('web', 'u-22');
    const orderId = (await place(token, 'p-4')).orderId;
    const page = async (bearer: string) =>
      fetch(`${stack.urls.saga}/remediation/events`, {
        headers: { authorization: `Bearer ${bearer}` },
      });
    const viewer = await operator('viewer');
    await waitUntil(
      'the dead letter on the operator page',
      async () => {
        const html = await (await page(viewer)).text();
        return html.includes(orderId) ? html : undefined;
      },
      60_000,
    );
    // A viewer sees it but has no replay button, and the API refuses the viewer.
    const shown = await (await page(viewer)).text();
    expect(shown).not.toContain('data-action="events"');
    // The live consumers' figures, read as they answer them, are shown in words.
    expect(shown).toMatch(/\(live, heartbeat \d+ (s|min) ago\)/);
    expect(shown).not.toContain('[object Object]');
    const replay = (bearer: string, contentType = 'application/json') =>
      fetch(`${stack.urls.saga}/events/notification/replay`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': contentType },
        body: JSON.stringify({ reason: 'mail relay fixed' }),
      });
    expect((await replay(viewer)).status).toBe(403);
    const admin = await operator('operator');
    expect((await replay(admin, 'text/plain')).status).toBe(415);
    expect(await (await page(admin)).text()).toContain('data-action="events"');
    expect(await (await outbox()).filter((e) => e.orderId === orderId)).toEqual([]);

    const replayed = await replay(admin);
    expect(replayed.status).toBe(202);
    expect(((await replayed.json()) as { replayed: string[] }).replayed.length).toBeGreaterThan(0);
    await waitUntil(
      'the replayed email',
      async () =>
        (await outbox()).find((e) => e.orderId === orderId && e.template === 'order_confirmed'),
      30_000,
    );
    await waitUntil(
      'the dead letters emptied',
      async () => {
        const html = await (await page(admin)).text();
        return html.includes(orderId) ? undefined : true;
      },
      15_000,
    );
    expect((await outbox()).filter((e) => e.orderId === orderId)).toHaveLength(1);
  });
});
