import { AppError, ErrorCode, type RequestContext, z } from '@edge/common';
import { bufferedJson } from './request-body.js';

/** Most ids one batch request may ask for (`?ids=a,b,...`). */
export const MAX_BATCH_IDS = 500;
/** Page size bounds for list endpoints. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Every state change carries one of these; see the idempotency section of the contract. */
export const idempotencyKey = z.string().min(1).max(200);

export const itemQuantities = z
  .array(
    z.object({
      productId: z.string().min(1).max(100),
      quantity: z.int().min(1).max(1000),
    }),
  )
  .min(1)
  .max(100);

/** `?ids=a,b,c`: trimmed, empty entries and duplicates dropped, at most MAX_BATCH_IDS. */
export const idList = z
  .string()
  .transform((s) => [...new Set(s.split(',').map((id) => id.trim()))].filter((id) => id !== ''))
  .pipe(z.array(z.string()).max(MAX_BATCH_IDS, `at most ${MAX_BATCH_IDS} ids per request`));

export const pageSize = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_PAGE_SIZE)
  .default(DEFAULT_PAGE_SIZE);

function toBadRequest(error: z.ZodError, what: string): AppError {
  const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const first = issues[0];
  const summary = first ? `${first.path || '(root)'}: ${first.message}` : 'invalid';
  return new AppError(ErrorCode.BAD_REQUEST, `Invalid ${what}: ${summary}`, {
    details: { issues },
  });
}

/** Read the JSON body and validate it; any mismatch is a 400 naming the first bad field. */
export async function readBody<S extends z.ZodType>(
  ctx: RequestContext,
  schema: S,
): Promise<{ raw: Record<string, unknown>; body: z.output<S> }> {
  const raw = await bufferedJson(ctx.req);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw toBadRequest(parsed.error, 'body');
  return { raw, body: parsed.data };
}

/** Validate query parameters (as a flat string record) against a schema. */
export function readQuery<S extends z.ZodType>(ctx: RequestContext, schema: S): z.output<S> {
  const parsed = schema.safeParse(Object.fromEntries(ctx.url.searchParams));
  if (!parsed.success) throw toBadRequest(parsed.error, 'query');
  return parsed.data;
}

/** `?idempotencyKey=K` of the lookup endpoints. */
export const lookupQuery = z.object({ idempotencyKey });

/** The 404 of a lookup: nothing was created under this key (never seen, or refused). */
const NOTHING_UNDER_KEY = 'nothing_under_key';

/**
 * A lookup by key that found nothing, with a reason that says so: a client deciding there is
 * nothing to undo must not mistake any 404 (a proxy's, a wrong route's) for this answer.
 */
export function nothingUnderKey(kind: string, key: string): AppError {
  return new AppError(
    ErrorCode.NOT_FOUND,
    `No ${kind} was created under idempotency key "${key}"`,
    {
      details: { reason: NOTHING_UNDER_KEY },
    },
  );
}

export function notFound(kind: string, id: string): AppError {
  return new AppError(ErrorCode.NOT_FOUND, `${kind} ${id} not found`);
}

/** What `map` holds under `id`, or a 404 naming the kind of thing asked for. */
export function found<T>(map: ReadonlyMap<string, T>, kind: string, id: string): T {
  const value = map.get(id);
  if (value === undefined) throw notFound(kind, id);
  return value;
}
