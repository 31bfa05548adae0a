import { AppError, ErrorCode } from '@edge/common';
import {
  createHttpClient,
  type GuardedClient,
  resolvePolicy,
  UpstreamError,
  type UpstreamMetrics,
  type User,
  unavailable,
  withBreaker,
  withLatency,
  withTimeout,
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

/**
 * The user service under the BFFs' default deadline and breaker for it (DEFAULT_UPSTREAM_POLICY),
 * measured as the BFFs measure theirs (`upstream_*{service="user"}` on the saga's /metrics).
 */
function guardedUserService(baseUrl: string, metrics: UpstreamMetrics): GuardedClient {
  const policy = resolvePolicy('user');
  const http = createHttpClient({ service: 'user', baseUrl, connections: policy.connections });
  return withBreaker(withTimeout(withLatency(http, metrics), policy.timeoutMs), {
    ...policy,
    metrics,
  });
}

export function createPartnerCustomers(
  userServiceUrl: string,
  metrics: UpstreamMetrics,
): PartnerCustomers {
  const users = guardedUserService(userServiceUrl, metrics);
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
