import { createHash } from 'node:crypto';
import { AppError, ErrorCode, type Identity } from '@edge/common';
import type { Order } from '@edge/upstream';

/**
 * Who owns an order flow: exactly one user or one partner. Every ownership check compares these
 * fields one by one; nothing is joined into a string and checked by prefix (a user id holding
 * the separator could otherwise read and take over another user's flows).
 */
export type OrderOwner = { kind: 'user'; userId: string } | { kind: 'partner'; partnerId: string };

export function orderOwnerOf(identity: Identity): OrderOwner {
  switch (identity.surface) {
    case 'web':
    case 'mobile':
      return { kind: 'user', userId: identity.userId };
    case 'partner':
      return { kind: 'partner', partnerId: identity.partnerId };
    case 'internal':
      throw new AppError(ErrorCode.FORBIDDEN, 'Order operations need a user or partner');
  }
}

/** The order's placer, from the fields the order and the saga both carry. */
function placedBy(owner: OrderOwner, placed: { userId: string; partnerId: string | null }) {
  switch (owner.kind) {
    case 'user':
      // A user owns what they placed themselves; an order a partner placed for them is the
      // partner's flow to cancel.
      return placed.partnerId === null && placed.userId === owner.userId;
    case 'partner':
      return placed.partnerId === owner.partnerId;
  }
}

export const ownsOrder = (owner: OrderOwner, order: Order): boolean => placedBy(owner, order);

/**
 * Whether this caller may read the order: a user reads the orders placed for them (a partner's
 * too), a partner the orders it placed. `order(id)` answers null for any other.
 */
export function mayReadOrder(identity: Identity, order: Order): boolean {
  switch (identity.surface) {
    case 'web':
    case 'mobile':
      return order.userId === identity.userId;
    case 'partner':
      return order.partnerId === identity.partnerId;
    case 'internal':
      return false;
  }
}

export const ownsSaga = (
  owner: OrderOwner,
  saga: { userId: string; partnerId: string | null },
): boolean => placedBy(owner, saga);

/**
 * The key the orchestrator deduplicates on: a digest of the owner's fields and the client's own
 * key, encoded as a JSON array so no two (owner, key) pairs share an input. Two callers choosing
 * the same key never share a saga, and the length stays within the orchestrator's limit.
 */
export function ownerScopedKey(owner: OrderOwner, clientKey: string): string {
  const id = owner.kind === 'user' ? owner.userId : owner.partnerId;
  return createHash('sha256')
    .update(JSON.stringify([owner.kind, id, clientKey]))
    .digest('hex');
}
