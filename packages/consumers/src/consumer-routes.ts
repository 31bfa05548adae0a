import {
  AppError,
  bearerOperator,
  ErrorCode,
  type OperatorVerifier,
  type Route,
  readJson,
  sendJson,
  z,
} from '@edge/common';
import type { EventLog, GroupStats } from './event-log.js';

export interface ConsumerRoutesOptions {
  log: EventLog;
  /** Groups an operator may inspect and replay. */
  groups: readonly string[];
  /** Checks the Bearer operator token every route needs (the saga's issuer, audience, keys). */
  verifyOperator: OperatorVerifier;
  /** A consumer whose last heartbeat is older is dead (`CONSUMER_DEAD_AFTER_MS`). */
  deadAfterMs: number;
}

/** A group's stats as `GET /groups` answers them: each consumer marked live or dead. */
export type GroupView = Omit<GroupStats, 'consumers'> & {
  group: string;
  /** Consumers whose last heartbeat is within `deadAfterMs`: what the no-live-consumer alert counts. */
  liveConsumers: number;
  /** Live ones first, then the dead, each newest heartbeat first. */
  consumers: { consumer: string; heartbeatAgeMs: number; live: boolean }[];
};

/**
 * Marks each consumer live or dead by the alert's own rule. Heartbeats are kept for a day, so
 * every restart or pod roll added a name that the list showed beside the live one, unlabelled.
 */
export function groupView(group: string, stats: GroupStats, deadAfterMs: number): GroupView {
  const consumers = stats.consumers
    .map((c) => ({ ...c, live: c.heartbeatAgeMs <= deadAfterMs }))
    .sort((a, b) => Number(b.live) - Number(a.live) || a.heartbeatAgeMs - b.heartbeatAgeMs);
  return {
    group,
    ...stats,
    liveConsumers: consumers.filter((c) => c.live).length,
    consumers,
  };
}

const ID_PART_LIMIT = 2n ** 64n;

/**
 * A dead letter's id as the logs make them: a Redis stream id (`<ms>-<seq>`, each below 2^64)
 * or the embedded log's number. Checked before the replay: Redis refuses a malformed id in the
 * middle of the replay script, after it has already replayed the ids before it (a 500 for a
 * replay that happened, with no audit line).
 */
const deadLetterId = z
  .string()
  .refine(
    (id) =>
      /^\d{1,20}(-\d{1,20})?$/.test(id) &&
      id.split('-').every((part) => BigInt(part) < ID_PART_LIMIT),
  );

const replayBody = z.union([
  z.object({ all: z.literal(true) }).strict(),
  z.object({ ids: z.array(deadLetterId).min(1).max(1000) }).strict(),
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
 * Any process can serve any group, since the dead letters live in the shared log. Reads need a
 * viewer token, a replay an operator's, checked before anything else (an anonymous caller learns
 * not even the group names); Bearer only, never a cookie, so no browser sends one on its own.
 */
export function createConsumerRoutes(options: ConsumerRoutesOptions): Route[] {
  const { log, groups, verifyOperator, deadAfterMs } = options;
  return [
    {
      method: 'GET',
      path: '/groups',
      handler: async ({ req, res }) => {
        await bearerOperator(verifyOperator, req, 'viewer');
        const stats = await Promise.all(
          groups.map(async (group) => groupView(group, await log.stats(group), deadAfterMs)),
        );
        sendJson(res, 200, { groups: stats });
      },
    },
    {
      method: 'GET',
      path: '/dead-letters/:group',
      handler: async ({ req, res, params, url }) => {
        await bearerOperator(verifyOperator, req, 'viewer');
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
      handler: async ({ req, res, params, log: logger }) => {
        const { subject } = await bearerOperator(verifyOperator, req, 'operator');
        const group = groupOf(params, groups);
        // State changes accept JSON only: a text/plain POST is a CORS "simple" request.
        if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
          throw new AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Send application/json');
        }
        const body = replayBody.safeParse(await readJson(req));
        if (!body.success) {
          throw new AppError(
            ErrorCode.BAD_REQUEST,
            'Body must be {"all": true} or {"ids": [...]} with the ids the dead letters list shows',
          );
        }
        const replayed = await log.replayDeadLetters(
          group,
          'all' in body.data ? 'all' : body.data.ids,
        );
        // A replay leaves no other trace of who asked for it: this line is its audit record.
        logger.info({ subject, group, replayed: replayed.length }, 'dead letters replayed');
        sendJson(res, 200, { group, replayed });
      },
    },
  ];
}
