import { decodeProductEvent } from '@edge/catalog-events';
import type { StreamEntry } from './read-model-writer.js';

/**
 * Turn a raw `[id, fields]` list as ioredis returns it (XRANGE, one stream of XREADGROUP,
 * XAUTOCLAIM's second element) into decoded entries. A deleted entry still pending comes back
 * with null fields; it decodes as invalid so it is acked and counted rather than retried forever.
 */
export function toStreamEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  const entries: StreamEntry[] = [];
  for (const item of raw) {
    if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
    const fields: unknown = item[1];
    const strings = Array.isArray(fields) ? fields.filter((f) => typeof f === 'string') : [];
    entries.push({ id: item[0], event: decodeProductEvent(strings) });
  }
  return entries;
}

/** Entries of the first (only) stream of an XREADGROUP answer. */
export function readGroupEntries(raw: unknown): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  const first: unknown = raw[0];
  return Array.isArray(first) ? toStreamEntries(first[1]) : [];
}
