import { waitUntil } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IN_FLIGHT_LIMITS } from '../src/defaults';
import { type GatewayFixture, startGatewayFixture } from './gateway-fixture';

const QUERY = { query: '{ me { id } }' };

describe('requests in flight per caller (default limits)', () => {
  let fx: GatewayFixture;
  beforeAll(async () => {
    fx = await startGatewayFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('one user cannot hold more than its share of the BFF: the request past the limit is 429 at once, others are served, and the slots come back', async () => {
    const max = DEFAULT_IN_FLIGHT_LIMITS.user;
    const greedy = { authorization: `Bearer ${await fx.token('web', 'u-1')}` };
    const other = { authorization: `Bearer ${await fx.token('web', 'u-2')}` };
    fx.bff.resetCalls();
    const release = fx.bff.hold();
    const held = Array.from({ length: max }, () => fx.post('/web/graphql', QUERY, greedy));
    await waitUntil('every held request at the BFF', () => fx.bff.calls()['/graphql'] === max);

    const refused = await fx.post('/web/graphql', QUERY, greedy);
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      limit: 'in_flight',
      max,
    });
    expect(refused.headers.get('retry-after')).toBe('1');

    const served = fx.post('/web/graphql', QUERY, other);
    await waitUntil('the other user at the BFF', () => fx.bff.calls()['/graphql'] === max + 1);
    release();
    expect((await Promise.all(held)).map((a) => a.status)).toEqual(Array(max).fill(200));
    expect((await served).status).toBe(200);
    expect((await fx.post('/web/graphql', QUERY, greedy)).status).toBe(200);
  });

  it('a batch takes one slot per operation: a batch past the cap is refused whole and takes nothing, a batch and six requests fill it, and every slot comes back', async () => {
    const max = DEFAULT_IN_FLIGHT_LIMITS.user;
    const batchSize = 10;
    const batchBody = Array(batchSize).fill(QUERY);
    const greedy = { authorization: `Bearer ${await fx.token('web', 'u-4')}` };
    fx.bff.resetCalls();
    const release = fx.bff.hold();
    const batch = fx.post('/web/graphql', batchBody, greedy);
    await waitUntil('every operation of the batch at the BFF', () => {
      return fx.bff.calls()['/graphql'] === batchSize;
    });

    // Holding one slot, a batch let one user run ten times its cap at the BFF.
    const past = await fx.post('/web/graphql', batchBody, greedy);
    expect(past.status).toBe(429);
    expect(past.body.errors[0].extensions).toMatchObject({ limit: 'in_flight', max });

    const singles = Array.from({ length: max - batchSize }, () =>
      fx.post('/web/graphql', QUERY, greedy),
    );
    await waitUntil('the cap held', () => fx.bff.calls()['/graphql'] === max);
    const refused = await fx.post('/web/graphql', QUERY, greedy);
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions).toMatchObject({ limit: 'in_flight', max });

    release();
    const answered = await batch;
    expect(answered.status).toBe(200);
    expect(answered.body).toHaveLength(batchSize);
    expect((await Promise.all(singles)).map((a) => a.status)).toEqual(
      Array(max - batchSize).fill(200),
    );
    expect((await fx.post('/web/graphql', batchBody, greedy)).status).toBe(200);
  });

  it('a client that hangs up does not get its slot back before the BFF has answered', async () => {
    const max = DEFAULT_IN_FLIGHT_LIMITS.user;
    const greedy = { authorization: `Bearer ${await fx.token('web', 'u-3')}` };
    fx.bff.resetCalls();
    const release = fx.bff.hold();
    const hangUps = Array.from({ length: max }, () => new AbortController());
    const sent = hangUps.map((hangUp) =>
      fetch(`${fx.gateways[0]?.url}/web/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...greedy },
        body: JSON.stringify(QUERY),
        signal: hangUp.signal,
      }).catch(() => 'hung up'),
    );
    await waitUntil('every request at the BFF', () => fx.bff.calls()['/graphql'] === max);
    for (const hangUp of hangUps) hangUp.abort();
    expect(await Promise.all(sent)).toEqual(Array(max).fill('hung up'));

    // The BFF still works on all of them: the caller's share is still in use.
    const refused = await fx.post('/web/graphql', QUERY, greedy);
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions).toMatchObject({ limit: 'in_flight', max });
    release();
    await waitUntil('the slots back once the BFF answered', async () => {
      return (await fx.post('/web/graphql', QUERY, greedy)).status === 200;
    });
  });
});
