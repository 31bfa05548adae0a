import { z } from 'zod';
import { ORDER_EVENT_TYPES, ORDER_EVENT_VERSION, type OrderEvent } from './order-event.js';

/**
 * How an event sits in a stream entry (Redis stream fields, or one JSON line of the embedded
 * log): `event` holds the envelope as JSON; `group`, when present, addresses the entry to one
 * consumer group only (a dead letter replayed for that group); every other group skips it.
 */
export interface EncodedEntry {
  event: string;
  group?: string;
}

const item = z.object({ productId: z.string(), quantity: z.number().int().positive() });
const base = {
  id: z.string().min(1),
  version: z.literal(ORDER_EVENT_VERSION),
  occurredAt: z.iso.datetime(),
};
const envelope = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('OrderConfirmed'),
    data: z.object({
      sagaId: z.string(),
      orderId: z.string(),
      userId: z.string(),
      partnerId: z.string().nullable(),
      items: z.array(item),
      totalCents: z.number().int(),
      currency: z.string(),
    }),
  }),
  z.object({
    ...base,
    type: z.literal('OrderCancelled'),
    data: z.object({
      sagaId: z.string(),
      orderId: z.string(),
      userId: z.string(),
      reason: z.string(),
    }),
  }),
  z.object({
    ...base,
    type: z.literal('OrderRefunded'),
    data: z.object({
      sagaId: z.string(),
      orderId: z.string(),
      userId: z.string(),
      amountCents: z.number().int(),
      currency: z.string(),
    }),
  }),
  z.object({
    ...base,
    type: z.literal('OrderFlagged'),
    data: z.object({
      orderId: z.string(),
      userId: z.string(),
      totalCents: z.number().int(),
      reasons: z.array(z.string()),
      sourceEventId: z.string(),
    }),
  }),
]);

/** The stream field holding the envelope (the saga's Lua script writes it by this name). */
export const ORDER_EVENT_FIELD = 'event';

/** File name of the embedded (no Redis) order event log in the saga's data dir. */
export const ORDER_EVENTS_FILE = 'order-events.jsonl';

/** Stream fields of one event, optionally addressed to one group. */
export function encodeOrderEvent(event: OrderEvent, group?: string): string[] {
  const fields = [ORDER_EVENT_FIELD, JSON.stringify(event)];
  return group === undefined ? fields : [...fields, 'group', group];
}

/** One line of the embedded log: the same entry as a JSON object, newline-terminated. */
export function encodedLine(event: OrderEvent, group?: string): string {
  const entry: EncodedEntry = { event: JSON.stringify(event), ...(group ? { group } : {}) };
  return `${JSON.stringify(entry)}\n`;
}

/** Flat `[name, value, ...]` stream fields as a record. */
export function entryFields(fields: readonly string[]): EncodedEntry | undefined {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2)
    record[fields[i] as string] = fields[i + 1] as string;
  const event = record[ORDER_EVENT_FIELD];
  if (event === undefined) return undefined;
  const group = record['group'];
  return group === undefined ? { event } : { event, group };
}

export type DecodedEvent =
  | { ok: true; event: OrderEvent }
  /** Not valid JSON, an unknown type or version, or a wrong shape: a poison event by nature. */
  | { ok: false; error: string };

/** Parse and validate one envelope; an invalid one is a value, never a throw. */
export function decodeOrderEvent(json: string): DecodedEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    return { ok: false, error: 'event is not valid JSON' };
  }
  const parsed = envelope.safeParse(raw);
  if (parsed.success) return { ok: true, event: parsed.data };
  const type = (raw as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && !(ORDER_EVENT_TYPES as readonly string[]).includes(type)) {
    return { ok: false, error: `unknown event type ${type}` };
  }
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    error: `invalid event: ${issue ? `${issue.path.join('.') || '(root)'} ${issue.message}` : 'wrong shape'}`,
  };
}
