import type { ServerResponse } from 'node:http';
import { AppError, ErrorCode, sendJson, z } from '@edge/common';
import type { Catalog } from '../catalog.js';
import { IdempotencyStore, sendStored } from '../idempotency.js';
import type { MockService } from '../mock-service.js';
import { CURRENCY, type Product } from '../types.js';
import { found, idempotencyKey, idList, pageSize, readBody, readQuery } from '../validation.js';

const listQuery = z.object({
  ids: idList.optional(),
  search: z.string().max(200).optional(),
  first: pageSize,
});

/** Highest price a command may set: keeps totals far from the safe-integer range. */
export const MAX_PRICE_CENTS = 100_000_000;
export const MAX_STOCK = 1_000_000;

const priceCents = z.int().min(1).max(MAX_PRICE_CENTS);
const stock = z.int().min(0).max(MAX_STOCK);
/** Every command says who asked and why: that is the audit trail. */
const cause = {
  actor: z.string().trim().min(1).max(100),
  reason: z.string().trim().min(1).max(500),
};
const expectedVersion = z.int().min(1);

const createBody = z.object({
  idempotencyKey,
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).default(''),
  priceCents,
  stock: stock.default(0),
  ...cause,
});

const priceBody = z.object({ priceCents, expectedVersion, ...cause });

const stockBody = z
  .object({
    delta: z.int().min(-MAX_STOCK).max(MAX_STOCK).optional(),
    stock: stock.optional(),
    expectedVersion,
    ...cause,
  })
  .refine((b) => (b.delta === undefined) !== (b.stock === undefined), {
    message: 'give exactly one of delta or stock',
  });

/**
 * Product reads plus the write model's commands. Price and stock commands carry the version
 * the caller last saw (optimistic locking): a stale one answers 409 instead of silently
 * overwriting a change the caller never saw, so no idempotency key is needed there (a retried
 * command finds the version moved and can read the audit to see whether it landed).
 */
export function createProductService(catalog: Catalog): MockService {
  const idempotency = new IdempotencyStore();

  const findProduct = (id: string): Product => found(catalog.products, 'Product', id);

  const checkVersion = (product: Product, expected: number): void => {
    if (product.version === expected) return;
    throw new AppError(
      ErrorCode.CONFLICT,
      `Product ${product.id} is at version ${product.version}, not ${expected}`,
      {
        details: {
          reason: 'version_mismatch',
          expectedVersion: expected,
          currentVersion: product.version,
        },
      },
    );
  };

  /** Answer after the event is in the stream, so "200" means the read model will see it. */
  const answer = async (
    res: ServerResponse,
    status: number,
    product: Product,
    published: Promise<boolean>,
  ) => {
    // The state this command produced, not whatever a later command makes of it meanwhile.
    const body = { ...product };
    if (!(await published)) {
      throw new AppError(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        `Product ${product.id} changed to version ${product.version} but its event was not published`,
        { details: { reason: 'event_not_published', version: product.version } },
      );
    }
    sendJson(res, status, body);
  };

  return {
    name: 'product',
    reset: () => idempotency.reset(),
    routes: [
      {
        method: 'GET',
        path: '/products/:id',
        handler: (ctx) => sendJson(ctx.res, 200, findProduct(ctx.params['id'] ?? '')),
      },
      {
        method: 'GET',
        path: '/products/:id/audit',
        handler: (ctx) => {
          const product = findProduct(ctx.params['id'] ?? '');
          sendJson(ctx.res, 200, {
            productId: product.id,
            version: product.version,
            entries: catalog.audit.list(product.id),
          });
        },
      },
      {
        method: 'GET',
        path: '/products',
        handler: (ctx) => {
          const query = readQuery(ctx, listQuery);
          if (query.ids !== undefined) {
            const items = query.ids.flatMap((id) => catalog.products.get(id) ?? []);
            sendJson(ctx.res, 200, { items });
            return;
          }
          // Without a search term this lists the catalogue from the start, which demos like.
          const needle = (query.search ?? '').trim().toLowerCase();
          const items: Product[] = [];
          for (const product of catalog.products.values()) {
            if (items.length >= query.first) break;
            const text = `${product.name} ${product.description}`.toLowerCase();
            if (text.includes(needle)) items.push(product);
          }
          sendJson(ctx.res, 200, { items });
        },
      },
      {
        method: 'POST',
        path: '/products',
        handler: async (ctx) => {
          const { raw, body } = await readBody(ctx, createBody);
          let published: Promise<boolean> = Promise.resolve(true);
          let created: Product | undefined;
          const stored = idempotency.execute('POST /products', body.idempotencyKey, raw, () => {
            const product: Product = {
              id: catalog.newProductId(),
              name: body.name,
              description: body.description,
              priceCents: body.priceCents,
              currency: CURRENCY,
              stock: body.stock,
              version: 1,
            };
            published = catalog.changeProduct(product, 'product_created', body, () => {});
            created = product;
            return { status: 201, body: product };
          });
          if (created === undefined) {
            sendStored(ctx.res, stored);
            return;
          }
          await answer(ctx.res, stored.status, created, published);
        },
      },
      {
        method: 'POST',
        path: '/products/:id/price',
        handler: async (ctx) => {
          const product = findProduct(ctx.params['id'] ?? '');
          const { body } = await readBody(ctx, priceBody);
          // Checked after the body is read: the version may have moved while it arrived.
          checkVersion(product, body.expectedVersion);
          const published = catalog.changeProduct(product, 'product_price_changed', body, (p) => {
            p.priceCents = body.priceCents;
          });
          await answer(ctx.res, 200, product, published);
        },
      },
      {
        method: 'POST',
        path: '/products/:id/stock',
        handler: async (ctx) => {
          const product = findProduct(ctx.params['id'] ?? '');
          const { body } = await readBody(ctx, stockBody);
          checkVersion(product, body.expectedVersion);
          const next = body.stock ?? product.stock + (body.delta ?? 0);
          if (next < 0 || next > MAX_STOCK) {
            throw new AppError(ErrorCode.CONFLICT, `Stock of ${product.id} would be ${next}`, {
              details: { reason: 'stock_out_of_range', stock: product.stock, requested: next },
            });
          }
          const published = catalog.changeProduct(product, 'product_stock_changed', body, (p) => {
            p.stock = next;
          });
          await answer(ctx.res, 200, product, published);
        },
      },
    ],
  };
}
