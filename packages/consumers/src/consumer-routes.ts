import { AppError, ErrorCode, type Route, readJson, sendJson, z } from '@edge/common';
import type { EventLog } from './event-log.js';

export interface ConsumerRoutesOptions {
  log: EventLog;
  /** Groups an operator may inspect and replay. */
  groups: readonly string[];
}

const replayBody = z.union([
  z.object({ all: z.literal(true) }).strict(),
  z.object({ ids: z.array(z.string().min(1).max(100)).min(1).max(1000) }).strict(),
]);

const limitQuery = z.coerce.number().int().min(1).max(1000).default(100);

function groupOf(params: Record<string, string>, groups: readonly string[]): string {
  const group = params['group'] ?? '';
  if (!groups.includes(group)) {
    throw new AppError(
      ErrorCode.NOT_FOUND,
      `No consumer group ${group}; known: ${groups.join(', ')}`,
    );
  }
  return group;
}

/**
 * The operator's routes on every consumer process: dead letters per group and their replay.
 * Any process can serve any group, since the dead letters live in the shared log.
 */
export function createConsumerRoutes(options: ConsumerRoutesOptions): Route[] {
  const { log, groups } = options;
  return [
    {
      method: 'GET',
      path: '/groups',
      handler: async ({ res }) => {
        const stats = await Promise.all(
          groups.map(async (group) => ({ group, ...(await log.stats(group)) })),
        );
        sendJson(res, 200, { groups: stats });
      },
    },
    {
      method: 'GET',
      path: '/dead-letters/:group',
      handler: async ({ res, params, url }) => {
        const group = groupOf(params, groups);
        const limit = limitQuery.safeParse(url.searchParams.get('limit') ?? undefined);
        if (!limit.success)
          throw new AppError(ErrorCode.BAD_REQUEST, 'limit must be an integer from 1 to 1000');
        sendJson(res, 200, { group, items: await log.deadLetters(group, limit.data) });
      },
    },
    {
      method: 'POST',
      path: '/dead-letters/:group/replay',
      handler: async ({ req, res, params }) => {
        const group = groupOf(params, groups);
        // State changes accept JSON only: a text/plain POST is a CORS "simple" request.
        if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
          throw new AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Send application/json');
        }
        const body = replayBody.safeParse(await readJson(req));
        if (!body.success) {
          throw new AppError(ErrorCode.BAD_REQUEST, 'Body must be {"all": true} or {"ids": [...]}');
        }
        const replayed = await log.replayDeadLetters(
          group,
          'all' in body.data ? 'all' : body.data.ids,
        );
        sendJson(res, 200, { group, replayed });
      },
    },
  ];
}
