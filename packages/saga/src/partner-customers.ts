import { AppError, ErrorCode } from '@edge/common';
import {
  createGuardedClient,
  UpstreamError,
  type UpstreamMetrics,
  type User,
  unavailable,
} from '@edge/upstream';

/**
 * Whether a user registered through a partner, asked of the user service. The BFF checks this
 * before it calls; the orchestrator checks again because a partner identity is all it is shown:
 * a BFF replaying a partner's token must not be able to order for anybody.
 */
export interface PartnerCustomers {
  /** Throws BAD_REQUEST when the user is not the partner's, UPSTREAM_UNAVAILABLE when unknown. */
  assertCustomerOf(partnerId: string, customerId: string): Promise<void>;
  close(): Promise<void>;
}

/** One answer for unknown users, platform users and other partners' customers: no probing. */
const notYours = () =>
  new AppError(ErrorCode.BAD_REQUEST, 'customerId is not one of your customers', {
    details: { reason: 'not_partner_customer' },
  });

export function createPartnerCustomers(
  userServiceUrl: string,
  metrics: UpstreamMetrics,
): PartnerCustomers {
  // The BFFs' default deadline and breaker for the user service, measured as theirs are
  // (`upstream_*{service="user"}` on the saga's /metrics).
  const users = createGuardedClient('user', userServiceUrl, metrics);
  return {
    async assertCustomerOf(partnerId, customerId) {
      let user: User;
      try {
        user = await users.get<User>(`/users/${encodeURIComponent(customerId)}`);
      } catch (err) {
        if (err instanceof UpstreamError && err.status === 404) throw notYours();
        throw unavailable('user', err);
      }
      if (user.partnerId !== partnerId) throw notYours();
    },
    close: () => users.close(),
  };
}
