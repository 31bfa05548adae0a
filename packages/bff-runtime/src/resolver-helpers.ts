import { readFileSync } from 'node:fs';
import { type Money, UpstreamError, unavailable } from '@edge/upstream';
import type DataLoader from 'dataloader';
import { type DocumentNode, parse } from 'graphql';

export function toMoney(amountCents: number, currency: string): Money {
  return { amountCents, currency };
}

/** Parse a schema file that sits next to the module asking for it. */
export function loadSchema(url: URL): DocumentNode {
  return parse(readFileSync(url, 'utf8'));
}

/**
 * Load one entity; a missing one is `null` (a normal answer), an unavailable service a
 * GraphQL error with UPSTREAM_UNAVAILABLE on that field only, so the rest still resolves.
 */
export async function loadOrNull<T>(loader: DataLoader<string, T>, id: string): Promise<T | null> {
  try {
    return await loader.load(id);
  } catch (err) {
    if (err instanceof UpstreamError && err.status === 404) return null;
    throw asFieldError(err);
  }
}

/** Map an upstream failure to the error code clients see, once, here. */
export function asFieldError(err: unknown): unknown {
  if (err instanceof UpstreamError && !err.isClientError) return unavailable(err.service, err);
  return err;
}
