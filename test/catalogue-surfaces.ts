import { expect } from 'vitest';
import type { TestStack } from './harness';

export const PRODUCT = 'p-42';
const MOBILE_USER = 'u-31';
export const BFFS = ['bffWeb', 'bffMobile', 'bffPartner'] as const;
export type Bff = (typeof BFFS)[number];
export type SurfacePrices = Record<'web' | 'mobile' | 'partner', number>;

const WEB_PRODUCT = `query ($id: ID!) { product(id: $id) { id price { amountCents } } }`;
const MOBILE_HOME = `{ home { buyAgain { id price { amountCents } } } }`;
const PARTNER_PRODUCT = `query ($id: ID!) { product(id: $id) { id unitPrice { amountCents } } }`;

/** One product's price as web, mobile and partner show it through the gateway. */
export interface CatalogueSurfaces {
  prices(): Promise<SurfacePrices>;
  setPrice(priceCents: number): Promise<void>;
  metrics(bff: Bff): Promise<string>;
  fallbacks(bff: Bff, reason: string): Promise<number>;
  /** True once every BFF measures a read model lag below `maxLagMs`. */
  readModelFresh(maxLagMs: number): Promise<true | undefined>;
}

export async function catalogueSurfaces(stack: TestStack): Promise<CatalogueSurfaces> {
  const webToken = await stack.token('web', 'u-30');
  const mobileToken = await stack.token('mobile', MOBILE_USER);
  const partnerKey = await stack.partnerKey({
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
  const metrics = async (bff: Bff) => (await fetch(`${stack.urls[bff]}/metrics`)).text();
  return {
    async prices() {
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
    },
    async setPrice(priceCents) {
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
    },
    metrics,
    async fallbacks(bff, reason) {
      const line = new RegExp(
        `^bff_product_read_fallbacks_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)`,
        'm',
      ).exec(await metrics(bff));
      return Number(line?.[1] ?? Number.NaN);
    },
    async readModelFresh(maxLagMs) {
      for (const bff of BFFS) {
        const lag = /^bff_product_read_model_lag_seconds\{[^}]*\} ([\d.e-]+)/m.exec(
          await metrics(bff),
        );
        if (!lag || Number(lag[1]) * 1000 > maxLagMs) return undefined;
      }
      return true;
    },
  };
}
