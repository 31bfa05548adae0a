import { AppError, ErrorCode, sendJson, z } from '@edge/common';
import type { Catalog } from '../catalog.js';
import type { MockService } from '../mock-service.js';
import { found, idList, readQuery } from '../validation.js';

const listQuery = z.object({ ids: idList.optional() });

export function createUserService(catalog: Catalog): MockService {
  return {
    name: 'user',
    reset: () => {},
    routes: [
      {
        method: 'GET',
        path: '/users/:id',
        handler: (ctx) => {
          const id = ctx.params['id'] ?? '';
          const user = found(catalog.users, 'User', id);
          sendJson(ctx.res, 200, user);
        },
      },
      {
        method: 'GET',
        path: '/users',
        handler: (ctx) => {
          const { ids } = readQuery(ctx, listQuery);
          if (ids === undefined) throw new AppError(ErrorCode.BAD_REQUEST, 'ids is required');
          sendJson(ctx.res, 200, { items: ids.flatMap((id) => catalog.users.get(id) ?? []) });
        },
      },
    ],
  };
}
