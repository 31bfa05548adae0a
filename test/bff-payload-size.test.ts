import { mobileSchema } from '@edge/bff-mobile';
import { webSchema } from '@edge/bff-web';
import { fieldOf, startTestBff, type TestBff } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Two BFFs side by side over one services-mock: a cross-package comparison, so it lives here
// rather than in either BFF's own tests.

const MOBILE_USER = { surface: 'mobile', userId: 'u-38' } as const;

describe('bff-mobile against bff-web', () => {
  let mobile: TestBff;
  beforeAll(async () => {
    mobile = await startTestBff({ name: 'bff-mobile', schemas: () => [mobileSchema()] });
  });
  afterAll(async () => {
    await mobile?.close();
  });

  it('order summaries are smaller than the web answer for the same orders', async () => {
    await using web = await startTestBff({
      name: 'bff-web',
      schemas: () => [webSchema({ previewFields: false })],
    });
    const first = 20;
    const webAnswer = await web.gql(
      '/graphql',
      `{ me { orders(first: ${first}) { edges { node { id status total { amountCents currency }
          updatedAt items { quantity unitPrice { amountCents currency }
          product { id name description price { amountCents currency } stock } } } } } } }`,
      { surface: 'web', userId: MOBILE_USER.userId },
    );
    const mobileAnswer = await mobile.gql(
      '/graphql',
      `{ orderSummaries(first: ${first}) { id status total { amountCents currency } itemCount updatedAt } }`,
      MOBILE_USER,
    );
    expect(webAnswer.body.errors).toBeUndefined();
    expect(mobileAnswer.body.errors).toBeUndefined();
    const summaries = fieldOf<{ id: string }[]>(mobileAnswer, 'orderSummaries');
    const me = fieldOf<{ orders: { edges: { node: { id: string } }[] } }>(webAnswer, 'me');
    expect(summaries.map((s) => s.id)).toEqual(me.orders.edges.map((e) => e.node.id));
    console.info(
      `${summaries.length} orders: web ${webAnswer.bytes} B, mobile ${mobileAnswer.bytes} B (${(
        mobileAnswer.bytes / webAnswer.bytes
      ).toFixed(2)}x)`,
    );
    expect(mobileAnswer.bytes).toBeLessThan(webAnswer.bytes / 3);
  });
});
