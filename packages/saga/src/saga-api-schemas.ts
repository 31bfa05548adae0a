import { z } from 'zod';
import { isReadableText, UNREADABLE_TEXT } from './readable-text.js';

const key = z.string().min(1).max(200);
const name = z.string().trim().min(1).max(200);
/**
 * A product or customer id as the services know it, never trimmed here: the BFF prices and checks
 * the id it was sent, so " p-36" trimmed to "p-36" here would be a product the BFF never priced.
 */
const serviceId = z
  .string()
  .min(1)
  .max(200)
  .refine((id) => id.trim() === id, 'must not start or end with spaces');
// The audit log shows it to people: a reason of only invisible characters explains nothing.
const reason = z.string().trim().min(1).max(1000).refine(isReadableText, UNREADABLE_TEXT);

/**
 * A new order. Who it is for is never in the body: the user is the edge-signed identity the BFF
 * forwards; a partner names its customer in `customerId`. A body `userId` is refused (400), so
 * a caller that still sends one learns it is not honoured instead of ordering for itself.
 */
export const placeOrderRequest = z
  .object({
    idempotencyKey: key,
    type: z.literal('place_order'),
    customerId: serviceId.optional(),
    items: z
      .array(
        z.object({ productId: serviceId, quantity: z.number().int().min(1).max(1000) }).strict(),
      )
      .min(1)
      .max(50),
  })
  .strict();
export type PlaceOrderRequest = z.infer<typeof placeOrderRequest>;

/** The actor of a cancel is the caller's identity; there is no field to name another. */
export const cancelRequest = z
  .object({
    idempotencyKey: key,
    reason: z.string().trim().max(1000).refine(isReadableText, UNREADABLE_TEXT).optional(),
  })
  .strict();
export type CancelSagaRequest = z.infer<typeof cancelRequest>;

/** Operator actions: the actor is the signed-in subject, so only the why is sent. */
export const operatorRequest = z.object({ reason }).strict();
export type OperatorRequest = z.infer<typeof operatorRequest>;

/**
 * An operator's edit of one step's request before a replay: the step and the fields to change.
 * The fields are checked against that step's editable schema once the saga is known.
 */
export const stepEditRequest = z
  .object({
    step: z.string().min(1).max(100),
    // The object as sent, not a record rebuilt from it: a record schema drops a JSON
    // "__proto__" key, and the step's strict schema must see (and refuse) every key named.
    input: z.custom<Record<string, unknown>>(
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
      'expected an object of fields',
    ),
  })
  .strict();
export type StepEditRequest = z.infer<typeof stepEditRequest>;

/** A replay of one saga, optionally with an edit of the step it stopped at. */
export const replayRequest = z.object({ reason, edit: stepEditRequest.optional() }).strict();
export type ReplayRequest = z.infer<typeof replayRequest>;

/**
 * A resolution names what was done by hand, e.g. the manual refund's id; it is recorded in the
 * audit reason, so it is held to the reason's rule. `keepCharge` acknowledges that money the
 * payment provider still holds for the saga stays there on purpose.
 */
export const resolveRequest = z
  .object({
    reason,
    reference: name.refine(isReadableText, UNREADABLE_TEXT),
    keepCharge: z.boolean().optional(),
  })
  .strict();
export type ResolveRequest = z.infer<typeof resolveRequest>;

/**
 * The ids of a bulk replay, each once. A repeated id is refused rather than dropped: each copy
 * would be a replay of its own (an audit record, provider calls, one more entry in `replayed`),
 * and an answer with fewer entries than the ids sent would leave a caller counting one saga as
 * not replayed with no reason given.
 */
const replayIds = z
  .array(key)
  .min(1)
  .max(100)
  .superRefine((ids, ctx) => {
    const seen = new Set<string>();
    const repeated = new Set<string>();
    for (const id of ids) (seen.has(id) ? repeated : seen).add(id);
    if (repeated.size > 0) {
      const named = [...repeated];
      ctx.addIssue({
        code: 'custom',
        message: `each saga id at most once; repeated: ${named.slice(0, 5).join(', ')}${named.length > 5 ? ', ...' : ''}`,
      });
    }
  });

/** Bulk replay of the given sagas (the page sends its confirmed selection in chunks), or all. */
export const replayManyRequest = z
  .object({
    reason,
    ids: replayIds.optional(),
    all: z.literal(true).optional(),
  })
  .strict()
  .refine((b) => (b.ids === undefined) !== (b.all === undefined), 'send either ids or all: true');
export type ReplayManyRequest = z.infer<typeof replayManyRequest>;

export const signInRequest = z.object({ token: z.string().min(1).max(8192) }).strict();

/** "attention": dead-lettered or stuck, the page's default; "any": every status. */
export { type SagaListState, STATUS_FILTERS } from '@edge/saga-wire';

export const waitQuery = z.object({
  waitMs: z.coerce.number().int().min(0).max(30_000).default(0),
});
