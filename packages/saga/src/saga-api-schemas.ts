import { z } from 'zod';
import { SAGA_STATUSES } from './saga';

const key = z.string().min(1).max(200);
const name = z.string().trim().min(1).max(200);

export const placeOrderRequest = z.object({
  idempotencyKey: key,
  type: z.literal('place_order'),
  userId: name,
  partnerId: name.optional(),
  items: z
    .array(z.object({ productId: name, quantity: z.number().int().min(1).max(1000) }))
    .min(1)
    .max(50),
});
export type PlaceOrderRequest = z.infer<typeof placeOrderRequest>;

export const cancelRequest = z.object({
  idempotencyKey: key,
  actor: name.optional(),
  reason: z.string().trim().max(1000).optional(),
});
export type CancelSagaRequest = z.infer<typeof cancelRequest>;

export const operatorRequest = z.object({
  actor: name,
  reason: z.string().trim().min(1).max(1000),
});
export type OperatorRequest = z.infer<typeof operatorRequest>;

export const replayAllRequest = operatorRequest.extend({ all: z.literal(true) });
export type ReplayAllRequest = z.infer<typeof replayAllRequest>;

export const listQuery = z.object({
  state: z.enum([...SAGA_STATUSES, 'stuck']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type SagaListState = NonNullable<z.infer<typeof listQuery>['state']>;

export const waitQuery = z.object({
  waitMs: z.coerce.number().int().min(0).max(30_000).default(0),
});
