import { AppError, ErrorCode } from '@edge/common';
import { z } from 'zod';

/**
 * What a consumers process reports per group (`GET /groups`; its `GroupStats`, docs/consumers.md),
 * checked here because it comes from another process and the page renders each field by name.
 */
const groupsAnswer = z.object({
  groups: z.array(
    z.object({
      group: z.string(),
      /** Events not yet handled by the group: never delivered, or delivered and not acknowledged. */
      lag: z.number(),
      /** Age of the oldest of those, in ms; 0 when there is none. */
      oldestUnprocessedAgeMs: z.number(),
      /** Dead letters the group holds. */
      dlqDepth: z.number(),
      /**
       * Every consumer that beat for the group in the last day, with the age of its last
       * heartbeat and whether that is within `CONSUMER_DEAD_AFTER_MS` (`live`; absent from a
       * consumers process older than the field).
       */
      consumers: z.array(
        z.object({
          consumer: z.string(),
          heartbeatAgeMs: z.number(),
          live: z.boolean().optional(),
        }),
      ),
    }),
  ),
});
export type EventGroupStats = z.infer<typeof groupsAnswer>['groups'][number];

/**
 * The order event consumers' dead letters, as the operator page reads and replays them. Each
 * call carries the signed-in operator's own token: the consumers check it (issuer, audience,
 * role) as the orchestrator did, so the orchestrator holds no credential of its own for them.
 */
export interface EventDeadLetters {
  groups(token: string): Promise<EventGroupStats[]>;
  list(group: string, limit: number, token: string): Promise<Record<string, unknown>[]>;
  /** Replays every dead letter of the group; returns the ids sent back to it. */
  replayAll(group: string, token: string): Promise<string[]>;
}

/** How long the page waits for the consumers process before saying it does not answer. */
export const DEFAULT_CONSUMERS_TIMEOUT_MS = 5_000;

/**
 * Client of a consumers process (any one serves every group: the dead letters live in the
 * shared log). The operator page goes through the orchestrator, which signs operators in and
 * checks CSRF, so the consumers' own routes never face a browser: they take Bearer tokens only.
 */
export function createEventDeadLetters(
  baseUrl: string,
  timeoutMs = DEFAULT_CONSUMERS_TIMEOUT_MS,
): EventDeadLetters {
  const call = async (
    path: string,
    token: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<unknown> => {
    const res = await fetch(`${baseUrl}${path}`, {
      ...init,
      headers: { ...init.headers, authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(timeoutMs),
    }).catch(() => {
      throw new AppError(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        `No consumers process answers at ${baseUrl} (CONSUMERS_URL)`,
      );
    });
    const body = (await res.json().catch(() => ({}))) as {
      error?: { code?: string; message?: string };
    };
    if (res.status === 404) {
      throw new AppError(ErrorCode.NOT_FOUND, body.error?.message ?? 'No such consumer group');
    }
    if (!res.ok) {
      throw new AppError(
        ErrorCode.UPSTREAM_UNAVAILABLE,
        `Consumers answered ${res.status}: ${body.error?.message ?? ''}`.trim(),
      );
    }
    return body;
  };
  const group = (name: string) => encodeURIComponent(name);
  return {
    groups: async (token) => {
      const answer = groupsAnswer.safeParse(await call('/groups', token));
      if (!answer.success) {
        throw new AppError(
          ErrorCode.UPSTREAM_UNAVAILABLE,
          `Consumers answered GET /groups in an unknown shape: ${z.prettifyError(answer.error)}`,
        );
      }
      return answer.data.groups;
    },
    list: async (name, limit, token) =>
      (
        (await call(`/dead-letters/${group(name)}?limit=${limit}`, token)) as {
          items: Record<string, unknown>[];
        }
      ).items,
    replayAll: async (name, token) =>
      (
        (await call(`/dead-letters/${group(name)}/replay`, token, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ all: true }),
        })) as { replayed: string[] }
      ).replayed,
  };
}
