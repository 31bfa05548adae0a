import { sendJson, z } from '@edge/common';
import type { Catalog } from '../catalog';
import type { MockService } from '../mock-service';
import type { Product } from '../types';
import { idList, notFound, pageSize, readQuery } from '../validation';

const listQuery = z.object({
  ids: idList.optional(),
  search: z.string().max(200).optional(),
  first: pageSize,
});

export function createProductService(catalog: Catalog): MockService {
  return {
    name: 'product',
    reset: () => {},
    routes: [
      {
        method: 'GET',
        path: '/products/:id',
        handler: (ctx) => {
          const id = ctx.params['id'] ?? '';
          const product = catalog.products.get(id);
          if (!product) throw notFound('Product', id);
          sendJson(ctx.res, 200, product);
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
    ],
  };
}
