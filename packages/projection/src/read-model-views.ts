import type { ProductState } from '@edge/catalog-events';

/** The web surface's full product detail. */
export interface WebProductView {
  id: string;
  name: string;
  description: string;
  price: { amountCents: number; currency: string };
  stock: number;
  inStock: boolean;
  version: number;
}

/** The mobile surface's compact summary (no description: it is what mobile never shows). */
export interface MobileProductView {
  id: string;
  name: string;
  priceCents: number;
  currency: string;
  inStock: boolean;
}

/** The partner surface's view: catalogue facts a partner integrates against. */
export interface PartnerProductView {
  id: string;
  name: string;
  description: string;
  unitPrice: { amountCents: number; currency: string };
  available: number;
  version: number;
}

export interface ProductViews {
  web: WebProductView;
  mobile: MobileProductView;
  partner: PartnerProductView;
}
export type ProductViewName = keyof ProductViews;
export const PRODUCT_VIEW_NAMES: readonly ProductViewName[] = Object.freeze([
  'web',
  'mobile',
  'partner',
]);

/** Every view of one product, denormalised at write time so a read is one key lookup. */
export function buildProductViews(p: ProductState): ProductViews {
  return {
    web: {
      id: p.id,
      name: p.name,
      description: p.description,
      price: { amountCents: p.priceCents, currency: p.currency },
      stock: p.stock,
      inStock: p.stock > 0,
      version: p.version,
    },
    mobile: {
      id: p.id,
      name: p.name,
      priceCents: p.priceCents,
      currency: p.currency,
      inStock: p.stock > 0,
    },
    partner: {
      id: p.id,
      name: p.name,
      description: p.description,
      unitPrice: { amountCents: p.priceCents, currency: p.currency },
      available: p.stock,
      version: p.version,
    },
  };
}
