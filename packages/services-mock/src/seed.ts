import { createPrng } from './prng.js';
import {
  CURRENCY,
  type Order,
  type OrderItem,
  type OrderStatus,
  type Product,
  type User,
} from './types.js';

/** The seed every process uses unless told otherwise, so tests and benchmarks share one world. */
export const DEFAULT_SEED = 42;
export const USER_COUNT = 300;
export const PRODUCT_COUNT = 400;
export const ORDER_COUNT = 5000;
/** Orders `o-1..o-4000` belong to plain users; the rest were placed through partners. */
export const USER_ORDER_COUNT = 4000;
export const PARTNER_IDS: readonly string[] = Object.freeze(['partner-acme', 'partner-globex']);
/**
 * Each partner's own customers: the last users, registered through a partner (`u-251..u-275`
 * for partner-acme, `u-276..u-300` for partner-globex). A partner places orders and reads
 * contact data only for these; every other user is the platform's and invisible to partners.
 */
export const CUSTOMERS_PER_PARTNER = 25;

/** The partner a user registered through, or null for the platform's own users. */
export function partnerOfUser(userNumber: number): string | null {
  const first = USER_COUNT - PARTNER_IDS.length * CUSTOMERS_PER_PARTNER + 1;
  if (userNumber < first || userNumber > USER_COUNT) return null;
  return PARTNER_IDS[Math.floor((userNumber - first) / CUSTOMERS_PER_PARTNER)] ?? null;
}

/** A partner's customer for a seeded partner order, derived from the number the seed drew. */
function partnerCustomer(partnerId: string, drawn: number): string {
  const first = USER_COUNT - PARTNER_IDS.length * CUSTOMERS_PER_PARTNER + 1;
  const offset = PARTNER_IDS.indexOf(partnerId) * CUSTOMERS_PER_PARTNER;
  return `u-${first + offset + (drawn % CUSTOMERS_PER_PARTNER)}`;
}
/** Every product whose number is a multiple of this starts out of stock, so demos can hit it. */
export const OUT_OF_STOCK_EVERY = 50;

/** Seeded orders are spaced this far apart from this instant, so a higher id is always newer. */
const EPOCH_MS = Date.UTC(2024, 0, 1);
const ORDER_SPACING_MS = 10 * 60 * 1000;

export interface SeedData {
  users: User[];
  products: Product[];
  orders: Order[];
}

const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Dennis',
  'Barbara',
  'Ken',
  'Frances',
  'Edsger',
  'Radia',
  'Donald',
  'Hedy',
  'John',
  'Katherine',
  'Tim',
  'Shafi',
  'Niklaus',
  'Sophie',
  'Bjarne',
] as const;
const LAST_NAMES = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Ritchie',
  'Liskov',
  'Thompson',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Knuth',
  'Lamarr',
  'Backus',
  'Johnson',
  'Berners-Lee',
  'Goldwasser',
  'Wirth',
  'Wilson',
  'Stroustrup',
] as const;
const ADJECTIVES = [
  'Compact',
  'Classic',
  'Rustic',
  'Modern',
  'Vintage',
  'Sleek',
  'Sturdy',
  'Cozy',
  'Bright',
  'Quiet',
  'Foldable',
  'Portable',
] as const;
const MATERIALS = [
  'Oak',
  'Brass',
  'Steel',
  'Linen',
  'Ceramic',
  'Walnut',
  'Glass',
  'Wool',
  'Bamboo',
  'Copper',
] as const;
const NOUNS = [
  'Lamp',
  'Chair',
  'Desk',
  'Mug',
  'Kettle',
  'Blanket',
  'Shelf',
  'Clock',
  'Vase',
  'Stool',
  'Backpack',
  'Notebook',
  'Speaker',
  'Pillow',
  'Planter',
  'Tray',
] as const;
const USES = [
  'the office',
  'the kitchen',
  'travel',
  'the garden',
  'reading',
  'the bedroom',
] as const;
/** Seeded history is mostly settled, as a real order table would be. */
const SEED_STATUSES: readonly OrderStatus[] = [
  'delivered',
  'delivered',
  'delivered',
  'delivered',
  'shipped',
  'shipped',
  'confirmed',
  'pending',
  'cancelled',
  'failed',
];

/** Build the deterministic world for `seed`. Pure: same seed, same data, no clock involved. */
export function generateSeed(seed = DEFAULT_SEED): SeedData {
  const rng = createPrng(seed);

  const users: User[] = [];
  for (let n = 1; n <= USER_COUNT; n++) {
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    users.push({
      id: `u-${n}`,
      name: `${first} ${last}`,
      email: `${first}.${last}.${n}@example.com`.toLowerCase(),
      partnerId: partnerOfUser(n),
    });
  }

  const products: Product[] = [];
  for (let n = 1; n <= PRODUCT_COUNT; n++) {
    const name = `${rng.pick(ADJECTIVES)} ${rng.pick(MATERIALS)} ${rng.pick(NOUNS)}`;
    products.push({
      id: `p-${n}`,
      name,
      description: `A ${name.toLowerCase()} made for ${rng.pick(USES)}.`,
      priceCents: rng.int(2, 500) * 100 - 1,
      currency: CURRENCY,
      stock: n % OUT_OF_STOCK_EVERY === 0 ? 0 : rng.int(50, 500),
      version: 1,
    });
  }

  const orders: Order[] = [];
  for (let n = 1; n <= ORDER_COUNT; n++) {
    const itemCount = rng.int(1, 5);
    const chosen = new Set<number>();
    while (chosen.size < itemCount) chosen.add(rng.int(1, PRODUCT_COUNT));
    const items: OrderItem[] = [...chosen].map((p) => ({
      productId: `p-${p}`,
      quantity: rng.int(1, 3),
      unitPriceCents: products[p - 1]?.priceCents ?? 0,
    }));
    const createdMs = EPOCH_MS + n * ORDER_SPACING_MS;
    // Drawn in the same order as always, so every other seeded value stays what it was.
    const drawn = rng.int(1, USER_COUNT);
    const partnerId = n <= USER_ORDER_COUNT ? null : rng.pick(PARTNER_IDS);
    orders.push({
      id: `o-${n}`,
      userId: partnerId ? partnerCustomer(partnerId, drawn) : `u-${drawn}`,
      partnerId,
      status: rng.pick(SEED_STATUSES),
      items,
      totalCents: items.reduce((sum, i) => sum + i.unitPriceCents * i.quantity, 0),
      currency: CURRENCY,
      createdAt: new Date(createdMs).toISOString(),
      updatedAt: new Date(createdMs + rng.int(0, 72) * 3600 * 1000).toISOString(),
    });
  }

  return { users, products, orders };
}
