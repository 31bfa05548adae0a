import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';

/** Lag threshold for this stack: services-mock's alert and the BFFs' fallback read the same env. */
const LAG_MS = 2000;
/** Heartbeats well inside the threshold, so a running projection always reads as fresh. */
const HEARTBEAT_MS = 250;
/** The read client reuses one freshness answer for up to 1 s (freshnessCacheMs). */
const FRESHNESS_CACHE_MS = 1000;
const PRODUCT = 'p-42';
const MOBILE_USER = 'u-31';
const BFFS = ['bffWeb', 'bffMobile', 'bffPartner'] as const;
type Bff = (typeof BFFS)[number];

const WEB_PRODUCT = `query ($id: ID!) { product(id: $id) { id price { amountCents } } }`;
const MOBILE_HOME = `{ home { buyAgain { id price { amountCents } } } }`;
const PARTNER_PRODUCT = `query ($id: ID!) { product(id: $id) { id unitPrice { amountCents } } }`;

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

describe('catalogue read model behind every surface', () => {
  let stack: TestStack;
  let webToken: string;
  let mobileToken: string;
  let partnerKey: string;

  /** The product's price on each surface, through the gateway; every answer must be whole. */
  const prices = async (): Promise<Record<'web' | 'mobile' | 'partner', number>> => {
    const [web, mobile, partner] = await Promise.all([
      stack.gql('/web/graphql', WEB_PRODUCT, { token: webToken }, { id: PRODUCT }),
      stack.gql('/mobile/graphql', MOBILE_HOME, { token: mobileToken }),
      stack.gql('/partner/v2/graphql', PARTNER_PRODUCT, { apiKey: partnerKey }, { id: PRODUCT }),
    ]);
    for (const res of [web, mobile, partner]) {
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
    }
    const card = mobile.body.data.home.buyAgain.find((p: { id: string }) => p.id === PRODUCT);
    return {
      web: web.body.data.product.price.amountCents,
      mobile: card.price.amountCents,
      partner: partner.body.data.product.unitPrice.amountCents,
    };
  };

  const metrics = async (bff: Bff) => (await fetch(`${stack.urls[bff]}/metrics`)).text();
  const fallbacks = async (bff: Bff, reason: string) => {
    const line = new RegExp(
      `^bff_product_read_fallbacks_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)`,
      'm',
    ).exec(await metrics(bff));
    return Number(line?.[1] ?? Number.NaN);
  };
  const readModelFresh = async () => {
    for (const bff of BFFS) {
      const lag = /^bff_product_read_model_lag_seconds\{[^}]*\} ([\d.e-]+)/m.exec(
        await metrics(bff),
      );
      if (!lag || Number(lag[1]) * 1000 > LAG_MS / 2) return undefined;
    }
    return true;
  };
  const setPrice = async (priceCents: number) => {
    const product = `${stack.urls.mock.product}/products/${PRODUCT}`;
    const current = (await (await fetch(product)).json()) as { version: number };
    const res = await fetch(`${product}/price`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        priceCents,
        expectedVersion: current.version,
        actor: 'e2e',
        reason: 'read model surfaces test',
      }),
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    stack = await startTestStack({
      env: {
        PROJECTION_LAG_THRESHOLD_MS: String(LAG_MS),
        PRODUCT_HEARTBEAT_MS: String(HEARTBEAT_MS),
      },
    });
    webToken = await stack.token('web', 'u-30');
    mobileToken = await stack.token('mobile', MOBILE_USER);
    partnerKey = await stack.partnerKey({
      partnerId: 'partner-acme',
      versions: ['v2'],
      tier: 'pro',
    });
    // The newest order of the mobile user holds the product, so it is in its "buy again" strip.
    const order = await fetch(`${stack.urls.mock.order}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        idempotencyKey: `rm-surfaces-${MOBILE_USER}`,
        userId: MOBILE_USER,
        items: [{ productId: PRODUCT, quantity: 1 }],
      }),
    });
    expect(order.status).toBe(201);
    await until('read model fresh on every BFF', 15_000, readModelFresh);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('a price change is visible on web, mobile and partner within the lag threshold', async () => {
    const before = await prices();
    const next = before.web + 111;
    const started = performance.now();
    await setPrice(next);
    const seen = await until('new price on every surface', LAG_MS, async () => {
      const now = await prices();
      return Object.values(now).every((p) => p === next) ? performance.now() - started : undefined;
    });
    console.info(`price change visible on web, mobile and partner after ${seen.toFixed(0)} ms`);
    expect(seen).toBeLessThan(LAG_MS);
  });

  it('with the read model fresh, product reads make no call to the product service', async () => {
    await stack.mock.resetCalls('product');
    const stale = await Promise.all(BFFS.map((bff) => fallbacks(bff, 'stale')));
    await prices();
    expect(await stack.mock.calls('product')).toEqual({});
    expect(await Promise.all(BFFS.map((bff) => fallbacks(bff, 'stale')))).toEqual(stale);
  });

  it('projection killed: past the lag threshold reads fall back to the product service, still answer, and the fallback metric rises', async () => {
    const expected = await prices();
    const stale = await Promise.all(BFFS.map((bff) => fallbacks(bff, 'stale')));
    await stack.mock.resetCalls('product');
    await stack.kill('projection');
    const killed = performance.now();
    const fellBack = await until(
      'reads fall back',
      LAG_MS + FRESHNESS_CACHE_MS + 3000,
      async () => {
        // Every surface keeps answering with the right price the whole time.
        expect(await prices()).toEqual(expected);
        const calls = (await stack.mock.calls('product'))['GET /products'] ?? 0;
        return calls > 0 ? performance.now() - killed : undefined;
      },
    );
    console.info(
      `projection killed: first fallback to the product service after ${fellBack.toFixed(0)} ms`,
    );
    // Not before the last heartbeat it applied has aged past the threshold.
    expect(fellBack).toBeGreaterThanOrEqual(LAG_MS - HEARTBEAT_MS - 100);
    // Wait out the freshness cache of every BFF, then each one has counted its fallback.
    await new Promise((r) => setTimeout(r, FRESHNESS_CACHE_MS));
    expect(await prices()).toEqual(expected);
    const after = await Promise.all(BFFS.map((bff) => fallbacks(bff, 'stale')));
    after.forEach((n, i) => {
      expect(n).toBeGreaterThan(stale[i] ?? Number.NaN);
    });
  });
});
