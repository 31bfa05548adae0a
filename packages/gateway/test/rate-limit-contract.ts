import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, type GatewayFixture, startGatewayFixture } from './gateway-fixture';

export const ME = { query: '{ me { id } }' };

/** One sample of a gateway's /metrics (the first series of `name`), or undefined if absent. */
export async function metric(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

/** Run `fn` for 0..n-1, `wave` at a time: concurrent enough to race, bounded for the sockets. */
export async function inWaves<T>(
  n: number,
  wave: number,
  fn: (i: number) => Promise<T>,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += wave) {
    out.push(
      ...(await Promise.all(Array.from({ length: Math.min(wave, n - i) }, (_, j) => fn(i + j)))),
    );
  }
  return out;
}

/**
 * The distributed limits, through real gateways, on whatever Redis `connectionEnv` names
 * (`REDIS_URL` for one node, `REDIS_CLUSTER_NODES` for a cluster) and in either counting mode
 * (`RATE_LIMIT_MODES`): the same assertions must hold on every topology and in both modes.
 */
export function describeRateLimitContract(
  name: string,
  connectionEnv: () => Record<string, string>,
): void {
  describe(`distributed rate limits (${name})`, () => {
    const LIMIT = 300;
    let fx: GatewayFixture;
    beforeAll(async () => {
      fx = await startGatewayFixture({
        ...connectionEnv(),
        RATE_LIMIT_USER: String(LIMIT),
        COST_BUDGET_FREE: '10',
      });
      await fx.addGateway();
    });
    afterAll(async () => {
      await fx?.close();
    });

    it('two gateways on one Redis allow exactly the limit between them', async () => {
      const auth = { authorization: `Bearer ${await fx.token('web', 'u-limit')}` };
      const answers = await inWaves(2 * LIMIT, 25, (i) =>
        fx.post('/web/graphql', ME, auth, fx.gateways[i % 2]),
      );
      const allowed = answers.filter((a) => a.status === 200).length;
      expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
      expect(allowed).toBe(LIMIT);
      const limited = answers.filter((a) => a.status === 429);
      for (const a of limited) {
        expect(a.body.errors[0].extensions.code).toBe('RATE_LIMITED');
        const retryAfter = Number(a.headers.get('retry-after'));
        const reset = Number(/"requests";r=0;t=(\d+)/.exec(a.headers.get('ratelimit') ?? '')?.[1]);
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
        expect(Math.abs(retryAfter - reset)).toBeLessThanOrEqual(1);
        expect(a.headers.get('ratelimit-policy')).toBe(`"requests";q=${LIMIT};w=60`);
      }
    });

    it('four gateways on one Redis allow exactly the limit between them', async () => {
      while (fx.gateways.length < 4) await fx.addGateway();
      const auth = { authorization: `Bearer ${await fx.token('web', 'u-limit-4')}` };
      const leasesBefore = await leaseCalls(fx);
      const answers = await inWaves(4 * LIMIT, 25, (i) =>
        fx.post('/web/graphql', ME, auth, fx.gateways[i % 4]),
      );
      expect(answers.every((a) => a.status === 200 || a.status === 429)).toBe(true);
      // Leased: a gateway refuses only once it holds nothing and Redis has nothing left, and
      // every gateway keeps being asked past that point, so no permit is left idle here.
      expect(answers.filter((a) => a.status === 200)).toHaveLength(LIMIT);
      const leases = (await leaseCalls(fx)) - leasesBefore;
      if (fx.env['RATE_LIMIT_MODES']?.includes('exact')) expect(leases).toBe(0);
      else expect(leases).toBeLessThan(LIMIT / 2);
    });

    it('allowed answers carry the remaining budget', async () => {
      const auth = { authorization: `Bearer ${await fx.token('web', 'u-budget')}` };
      const res = await fx.post('/web/graphql', ME, auth);
      expect(res.headers.get('ratelimit')).toMatch(
        new RegExp(`^"requests";r=${LIMIT - 1};t=\\d+$`),
      );
    });

    it('a partner spending its cost budget gets 429 with the budget in extensions', async () => {
      const { key } = await fx.partnerKey({ partnerId: 'acme', versions: ['v2'], tier: 'free' });
      const query = { query: '{ orders(first: 3) { id } }' };
      const spend = (): Promise<Answer> =>
        fx.post('/partner/v2/graphql', query, { authorization: `Bearer ${key}` });
      const first = await spend();
      expect(first.body.extensions.cost.throttleStatus.currentlyAvailable).toBe(7);
      expect((await spend()).body.extensions.cost.throttleStatus.currentlyAvailable).toBe(4);
      expect((await spend()).body.extensions.cost.throttleStatus.currentlyAvailable).toBe(1);
      const refused = await spend();
      expect(refused.status).toBe(429);
      // The refusal spent nothing, and says what is still there: 1, which a smaller query uses.
      expect(refused.body.errors[0].extensions).toMatchObject({
        code: 'RATE_LIMITED',
        cost: {
          requestedQueryCost: 3,
          throttleStatus: { maximumAvailable: 10, currentlyAvailable: 1 },
        },
      });
      expect(refused.headers.get('ratelimit')).toMatch(/"cost";r=1;/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const smaller = await fx.post(
        '/partner/v2/graphql',
        { query: '{ orders(first: 1) { id } }' },
        { authorization: `Bearer ${key}` },
      );
      expect(smaller.status).toBe(200);
      expect(smaller.body.extensions.cost.throttleStatus.currentlyAvailable).toBe(0);
    });

    it('unauthenticated callers are limited per IP', async () => {
      const answers = await inWaves(70, 10, () => fx.post('/mobile/graphql', ME, {}));
      expect(answers.filter((a) => a.status === 401)).toHaveLength(60);
      expect(answers.filter((a) => a.status === 429)).toHaveLength(10);
    });
  });
}

/** Redis calls made for leases by every gateway of the fixture. */
async function leaseCalls(fx: GatewayFixture): Promise<number> {
  const each = await Promise.all(
    fx.gateways.map((g) => metric(g.url, 'gateway_rate_limit_lease_calls_total')),
  );
  return each.reduce<number>((sum, n) => sum + (n ?? 0), 0);
}
