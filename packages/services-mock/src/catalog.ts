import { generateSeed, type SeedData } from './seed';
import type { Order, Product, User } from './types';

/**
 * The live users, products and orders shared by the order, product, user and inventory mocks
 * (inventory moves product stock, orders read product prices). It starts as a copy of the seed
 * and `reset()` returns to it, so tests can mutate freely and start over.
 */
export class Catalog {
  readonly users = new Map<string, User>();
  readonly products = new Map<string, Product>();
  readonly orders = new Map<string, Order>();
  /** Order lists per owner, newest first, kept in step with `orders` by `addOrder`. */
  readonly ordersByUser = new Map<string, Order[]>();
  readonly ordersByPartner = new Map<string, Order[]>();
  private readonly pristine: SeedData;
  private nextOrderNumber = 1;

  constructor(seed?: number) {
    this.pristine = generateSeed(seed);
    this.reset();
  }

  reset(): void {
    // structuredClone keeps the pristine seed untouched by whatever the services mutate.
    const { users, products, orders } = structuredClone(this.pristine);
    this.users.clear();
    this.products.clear();
    this.orders.clear();
    this.ordersByUser.clear();
    this.ordersByPartner.clear();
    for (const user of users) this.users.set(user.id, user);
    for (const product of products) this.products.set(product.id, product);
    for (const order of orders) this.addOrder(order);
    this.nextOrderNumber = orders.length + 1;
  }

  newOrderId(): string {
    return `o-${this.nextOrderNumber++}`;
  }

  /** Orders arrive in creation order, so the newest always goes to the front of its lists. */
  addOrder(order: Order): void {
    this.orders.set(order.id, order);
    prepend(this.ordersByUser, order.userId, order);
    if (order.partnerId !== null) prepend(this.ordersByPartner, order.partnerId, order);
  }
}

function prepend(index: Map<string, Order[]>, key: string, order: Order): void {
  const list = index.get(key);
  if (list) list.unshift(order);
  else index.set(key, [order]);
}
