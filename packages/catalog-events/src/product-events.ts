import { z } from '@edge/common';

/** Default key of the product event stream (the write side appends, the projection reads). */
export const DEFAULT_PRODUCT_EVENTS_STREAM = 'product-events';

/** A product as the write model holds it after a change: every event carries the whole state. */
export const productStateSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  description: z.string(),
  priceCents: z.number().int(),
  currency: z.string(),
  stock: z.number().int(),
  version: z.number().int().min(1),
});
export type ProductState = z.infer<typeof productStateSchema>;

export const PRODUCT_CHANGE_TYPES = [
  'product_created',
  'product_price_changed',
  'product_stock_changed',
  // The write model announces every product when it starts or resets (a new epoch).
  'product_snapshot',
] as const;
export type ProductChangeType = (typeof PRODUCT_CHANGE_TYPES)[number];

const productChangeSchema = z.object({
  type: z.enum(PRODUCT_CHANGE_TYPES),
  /**
   * Incarnation of the write model. The mock's write model lives in memory and returns to its
   * seed on restart or reset, so versions start over; ordering by (epoch, version) keeps a new
   * incarnation's version 1 ahead of an old one's version 7.
   */
  epoch: z.number().int().min(0),
  actor: z.string(),
  reason: z.string(),
  at: z.string(),
  product: productStateSchema,
});
export type ProductChangeEvent = z.infer<typeof productChangeSchema>;

const heartbeatSchema = z.object({ type: z.literal('heartbeat'), at: z.string() });
export type HeartbeatEvent = z.infer<typeof heartbeatSchema>;

export const productEventSchema = z.discriminatedUnion('type', [
  productChangeSchema,
  heartbeatSchema,
]);
export type ProductEvent = z.infer<typeof productEventSchema>;

/** Field of the stream entry that holds the event's JSON. */
export const EVENT_FIELD = 'event';

/** Stream entry fields for XADD. */
export function encodeProductEvent(event: ProductEvent): [string, string] {
  return [EVENT_FIELD, JSON.stringify(event)];
}

/** The event's JSON text in an entry's field list; undefined when the entry has none. */
export function productEventText(fields: readonly string[]): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === EVENT_FIELD) return fields[i + 1];
  }
  return undefined;
}

function parseJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}

/** Parse an entry's field list; undefined for an entry that is not a valid event (poison). */
export function decodeProductEvent(fields: readonly string[]): ProductEvent | undefined {
  const parsed = productEventSchema.safeParse(parseJson(productEventText(fields)));
  return parsed.success ? parsed.data : undefined;
}

const namesProductSchema = z.object({ product: z.object({ id: z.string().min(1) }) });

/**
 * The product id of an entry that does not decode, when its JSON still names one
 * (`product.id`): enough to drop that product's views so reads go to the service instead of
 * serving the state before the change nobody could apply.
 */
export function undecodedProductId(fields: readonly string[]): string | undefined {
  const parsed = namesProductSchema.safeParse(parseJson(productEventText(fields)));
  return parsed.success ? parsed.data.product.id : undefined;
}

/** Milliseconds part of a stream id (`<ms>-<seq>`): Redis's own clock when the entry was added. */
export function streamIdMs(id: string): number {
  return Number(id.split('-')[0]);
}
