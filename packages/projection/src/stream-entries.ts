import { decodeProductEvent, productEventText, undecodedProductId } from '@edge/catalog-events';
import type { StreamEntry } from './read-model-writer.js';

/**
 * Turn a raw `[id, fields]` list as ioredis returns it (XRANGE, one stream of XREADGROUP,
 * XAUTOCLAIM's second element) into decoded entries. An entry that does not decode keeps its
 * text and, when its JSON still names one, its product id, so it can be dead-lettered and that
 * product's views dropped. A deleted entry still pending comes back with null fields: undecoded
 * too, so it is acked and kept rather than retried forever.
 */
export function toStreamEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  const entries: StreamEntry[] = [];
  for (const item of raw) {
    if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
    const fields: unknown = item[1];
    const strings = Array.isArray(fields) ? fields.filter((f) => typeof f === 'string') : [];
    const event = decodeProductEvent(strings);
    entries.push(
      event
        ? { id: item[0], event }
        : {
            id: item[0],
            event: undefined,
            text: productEventText(strings) ?? '',
            productId: undecodedProductId(strings),
          },
    );
  }
  return entries;
}

/** Entries of the first (only) stream of an XREADGROUP answer. */
export function readGroupEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  const first: unknown = raw[0];
  return Array.isArray(first) ? toStreamEntries(first[1]) : [];
}
