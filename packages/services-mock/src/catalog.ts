import type { ProductChangeType } from '@edge/catalog-events';
import { type AuditEntry, ProductAudit } from './product-audit.js';
import { NO_PRODUCT_EVENTS, type ProductEventSink } from './product-event-publisher.js';
import { generateSeed, type SeedData } from './seed.js';
import type { Order, Product, User } from './types.js';

/** Who asked for a product change and why; kept in the audit and carried by the event. */
export interface ChangeCause {
  actor: string;
  reason: string;
}

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
  readonly audit = new ProductAudit();
  private readonly pristine: SeedData;
  private nextOrderNumber = 1;
  private nextProductNumber = 1;

  constructor(
    seed?: number,
    private readonly events: ProductEventSink = NO_PRODUCT_EVENTS,
  ) {
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
    this.nextProductNumber = products.length + 1;
    this.audit.reset();
    // Versions start over with the seed, so the stream gets a new epoch and the whole catalogue.
    void this.events.snapshot(products);
  }

  newProductId(): string {
    return `p-${this.nextProductNumber++}`;
  }

  /**
   * The one way a product changes: `mutate` runs synchronously, the version grows by one, the
   * change is audited and appended to the event stream in that order. Synchronous up to the
   * append, so a version check before it and the write cannot interleave with another request.
   * Resolves false when the event could not be published (the change itself stands).
   */
  changeProduct(
    product: Product,
    type: Exclude<ProductChangeType, 'product_snapshot'>,
    cause: ChangeCause,
    mutate: (product: Product) => void,
  ): Promise<boolean> {
    const before = { priceCents: product.priceCents, stock: product.stock };
    const created = !this.products.has(product.id);
    mutate(product);
    if (created) this.products.set(product.id, product);
    else product.version += 1;
    const changes: AuditEntry['changes'] = {};
    for (const field of ['priceCents', 'stock'] as const) {
      if (created || before[field] !== product[field])
        changes[field] = { from: created ? null : before[field], to: product[field] };
    }
    const at = new Date().toISOString();
    this.audit.record(product.id, { version: product.version, type, ...cause, at, changes });
    return this.events.change(type, product, cause.actor, cause.reason);
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
