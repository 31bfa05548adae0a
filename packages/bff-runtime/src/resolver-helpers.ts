import { readFileSync } from 'node:fs';
import { AppError, ErrorCode } from '@edge/common';
import { type Money, UpstreamError, unavailable } from '@edge/upstream';
import type DataLoader from 'dataloader';
import { type DocumentNode, parse } from 'graphql';

export function toMoney(amountCents: number, currency: string): Money {
  return { amountCents, currency };
}

/** Parse schema files that sit next to the module asking for them, as one document. */
export function loadSchema(...urls: URL[]): DocumentNode {
  return parse(urls.map((url) => readFileSync(url, 'utf8')).join('\n'));
}

/**
 * Map an upstream failure to the error code clients see, once, here. A service refusing what we
 * sent it (4xx, e.g. 431 for a 60,000-character id in its URL) means the client's input was
 * unusable: BAD_USER_INPUT, not an unexplained INTERNAL_SERVER_ERROR (found by the fuzzer).
 */
export function asFieldError(err: unknown): unknown {
  if (!(err instanceof UpstreamError)) return err;
  if (!err.isClientError) return unavailable(err.service, err);
  return new AppError(ErrorCode.BAD_USER_INPUT, `The ${err.service} service refused this input`, {
    cause: err,
  });
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

/** Await an upstream read, turning its failure into the field's UPSTREAM_UNAVAILABLE error. */
export async function orFieldError<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (err) {
    throw asFieldError(err);
  }
}

/**
 * Clamp a client's page size into [0, max] instead of refusing it. Zero (what a negative size
 * clamps to) asks for no items: `itemsOf` answers it without calling the service, which
 * serves pages of 1 to 100 only.
 */
export function clampPage(first: number | null | undefined, fallback: number, max: number) {
  return Math.min(Math.max(first ?? fallback, 0), max);
}

/** The items of a page of `first` clamped by `clampPage`: none, without a call, for zero. */
export function itemsOf<T>(first: number, load: (first: number) => Promise<T[]>): Promise<T[]> {
  return first === 0 ? Promise.resolve([]) : load(first);
}
