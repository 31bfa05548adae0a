import type { ProductState } from '@edge/catalog-events';

/** A product as the write side describes it, at a version and price; `p-1` unless named. */
export function productState(version: number, priceCents: number, id = 'p-1'): ProductState {
  return {
    id,
    name: `Product ${id}`,
    description: 'a product',
    priceCents,
    currency: 'USD',
    stock: 3,
    version,
  };
}
