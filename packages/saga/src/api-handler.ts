import { AppError, ErrorCode, isAppError, type RequestContext } from '@edge/common';
import type { z } from 'zod';
import { ResolveRefusedError } from './refund-owed.js';
import { SagaConflictError, SagaNotFoundError } from './saga-engine.js';

/** Validate a body or query with its schema; every problem is listed in one 400. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  throw new AppError(ErrorCode.BAD_REQUEST, problems.join('; '), { details: { problems } });
}

export function query(ctx: RequestContext): Record<string, string> {
  return Object.fromEntries(ctx.url.searchParams.entries());
}

/** Our own conditions become their codes; anything else is the store failing, never a 500. */
function translate(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (error instanceof SagaNotFoundError) return new AppError(ErrorCode.NOT_FOUND, error.message);
  if (error instanceof SagaConflictError) return new AppError(ErrorCode.CONFLICT, error.message);
  if (error instanceof ResolveRefusedError) {
    return new AppError(ErrorCode.CONFLICT, error.message, {
      details: { reason: error.reason, heldCents: error.heldCents },
    });
  }
  return new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, 'Saga store unavailable', {
    cause: error,
    headers: { 'retry-after': '1' },
  });
}

/** The one place the orchestrator's errors become HTTP answers. */
export const guarded =
  (handler: (ctx: RequestContext) => Promise<void>) =>
  async (ctx: RequestContext): Promise<void> => {
    try {
      await handler(ctx);
    } catch (error) {
      const appError = translate(error);
      if (appError.code === ErrorCode.UPSTREAM_UNAVAILABLE) {
        ctx.log.error({ err: error }, 'saga store call failed');
      }
      throw appError;
    }
  };
