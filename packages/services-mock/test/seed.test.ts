import { describe, expect, it } from 'vitest';
import { generateSeed, OUT_OF_STOCK_EVERY, PARTNER_IDS } from '../src/seed';

describe('generateSeed', () => {
  it('builds the same world for the same seed', () => {
    expect(generateSeed(42)).toEqual(generateSeed(42));
    expect(generateSeed(7).orders[0]).not.toEqual(generateSeed(42).orders[0]);
  });

  it('has 300 users, 400 products and 5000 orders with readable ids', () => {
    const { users, products, orders } = generateSeed();
    expect(users).toHaveLength(300);
    expect(products).toHaveLength(400);
    expect(orders).toHaveLength(5000);
    expect([users[0]?.id, products[399]?.id, orders[4999]?.id]).toEqual(['u-1', 'p-400', 'o-5000']);
  });

  it('gives orders 1-5 items priced from the catalogue and a matching total', () => {
    const { products, orders } = generateSeed();
    const prices = new Map(products.map((p) => [p.id, p.priceCents]));
    for (const order of orders) {
      expect(order.items.length).toBeGreaterThanOrEqual(1);
      expect(order.items.length).toBeLessThanOrEqual(5);
      for (const item of order.items) expect(item.unitPriceCents).toBe(prices.get(item.productId));
      const total = order.items.reduce((s, i) => s + i.unitPriceCents * i.quantity, 0);
      expect(order.totalCents).toBe(total);
    }
  });

  it('assigns o-4001..o-5000 to partners, each with a user', () => {
    const { orders } = generateSeed();
    expect(orders.slice(0, 4000).every((o) => o.partnerId === null)).toBe(true);
    const partnerOrders = orders.slice(4000);
    expect(partnerOrders.every((o) => PARTNER_IDS.includes(o.partnerId ?? ''))).toBe(true);
    expect(partnerOrders.every((o) => /^u-\d+$/.test(o.userId))).toBe(true);
    expect(new Set(partnerOrders.map((o) => o.partnerId)).size).toBe(2);
  });

  it("places every partner order for one of that partner's own registered customers", () => {
    const { users, orders } = generateSeed();
    const partnerOf = new Map(users.map((u) => [u.id, u.partnerId]));
    for (const order of orders.slice(4000))
      expect(partnerOf.get(order.userId)).toBe(order.partnerId);
    expect(users.filter((u) => u.partnerId === 'partner-acme').map((u) => u.id)[0]).toBe('u-251');
    expect(users.filter((u) => u.partnerId === null)).toHaveLength(250);
  });

  it('leaves every 50th product out of stock and the rest stocked', () => {
    const { products } = generateSeed();
    for (const [i, product] of products.entries()) {
      if ((i + 1) % OUT_OF_STOCK_EVERY === 0) expect(product.stock).toBe(0);
      else expect(product.stock).toBeGreaterThan(0);
    }
  });
});
