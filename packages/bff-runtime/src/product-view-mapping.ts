import type { PartnerProductView, WebProductView } from '@edge/projection';
import type { Product } from '@edge/upstream';

/**
 * The read-model views a BFF can serve its `Product` loader from: those that carry every field
 * of the domain type. The mobile summary view has no `description` or `stock`, so bff-mobile
 * reads the web view rather than invent values a later resolver could trust.
 */
export type ProductLoaderView = 'web' | 'partner';

/** The view a BFF reads unless it names one: the full web detail. */
export const DEFAULT_PRODUCT_LOADER_VIEW: ProductLoaderView = 'web';

export const productFromWebView = (v: WebProductView): Product => ({
  id: v.id,
  name: v.name,
  description: v.description,
  priceCents: v.price.amountCents,
  currency: v.price.currency,
  stock: v.stock,
});

export const productFromPartnerView = (v: PartnerProductView): Product => ({
  id: v.id,
  name: v.name,
  description: v.description,
  priceCents: v.unitPrice.amountCents,
  currency: v.unitPrice.currency,
  stock: v.available,
});
