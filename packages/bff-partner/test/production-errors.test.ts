import { startTestBff, type TestBff } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partnerSchemas } from '../src/partner-schemas';
import { ACME_V2 } from './identities';

const PLACE = 'mutation P($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }';

describe('bff-partner in production answers variable errors without schema hints', () => {
  let bff: TestBff;
  beforeAll(async () => {
    bff = await startTestBff({
      name: 'bff-partner',
      schemas: () => partnerSchemas(),
      env: { NODE_ENV: 'production' },
    });
  });
  afterAll(async () => {
    await bff?.close();
  });

  it('a misspelt input field returns BAD_USER_INPUT naming only the variable', async () => {
    const res = await bff.gql('/v2/graphql', PLACE, ACME_V2, {
      input: { idempotencyKey: 'k', items: [{ productId: 'p-1', quantity: 1 }], customerIdd: 'x' },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]).toMatchObject({
      message: 'Variable "$input" is missing or has an invalid value',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(JSON.stringify(res.body)).not.toMatch(/Did you mean|customerId|PlaceOrderInput/);
  });

  it('a wrong scalar deep in the input names no input field either', async () => {
    const res = await bff.gql('/v2/graphql', PLACE, ACME_V2, {
      input: { idempotencyKey: 'k', items: [{ productId: 'p-1', quantity: 'three' }] },
    });
    expect(res.body.errors?.[0]?.message).toBe(
      'Variable "$input" is missing or has an invalid value',
    );
  });
});
