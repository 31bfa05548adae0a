import { createHash } from 'node:crypto';
import type { BenchCredentials } from './bench-stack';

export type OperationName = 'web-orders' | 'web-me' | 'mobile-home-apq' | 'partner-v2-orders';

/** One GraphQL operation as the benches send it, with where it goes on each hop. */
export interface BenchOperation {
  name: OperationName;
  /** Path on the gateway (and on every peer, which mirror the gateway's routes). */
  edgePath: string;
  /** Which BFF and path answer it directly. */
  bff: 'bffWeb' | 'bffMobile' | 'bffPartner';
  bffPath: string;
  /** The document, for registering persisted operations and composing peers. */
  query: string;
  /** The body every target is sent during the measurement. */
  body: string;
  /** A body that registers the document first (APQ), sent once per target before measuring. */
  registerBody: string | undefined;
  /** Client headers at the edge (authentication). */
  edgeHeaders(credentials: BenchCredentials): Record<string, string>;
  /** The edge identity a BFF needs when called directly or through a peer. */
  identity(credentials: BenchCredentials): string;
}

const WEB_ORDERS = `query OrdersPage($first: Int, $after: String) {
  me { id name email orders(first: $first, after: $after) {
    edges { node { id status total { amountCents currency }
      items { quantity product { id name price { amountCents currency } } } } }
    pageInfo { hasNextPage endCursor } } } }`;

const MOBILE_HOME = `query Home { home { userName
  recentOrders { id status itemCount updatedAt total { amountCents currency } }
  buyAgain { id name price { amountCents currency } } } }`;

const PARTNER_ORDERS = `query Orders { orders(first: 10) {
  id status placedAt total { amountCents currency } } }`;

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

const apq = (query: string) => ({
  persistedQuery: { version: 1, sha256Hash: sha256Hex(query) },
});

/** The three operations of the issue: the web orders page, mobile home by hash, partner v2. */
export const OPERATIONS: readonly BenchOperation[] = [
  {
    name: 'web-orders',
    edgePath: '/web/graphql',
    bff: 'bffWeb',
    bffPath: '/graphql',
    query: WEB_ORDERS,
    body: JSON.stringify({ query: WEB_ORDERS, variables: { first: 10 } }),
    registerBody: undefined,
    edgeHeaders: (c) => ({ authorization: c.webBearer }),
    identity: (c) => c.identity.web,
  },
  {
    name: 'mobile-home-apq',
    edgePath: '/mobile/graphql',
    bff: 'bffMobile',
    bffPath: '/graphql',
    query: MOBILE_HOME,
    body: JSON.stringify({ extensions: apq(MOBILE_HOME) }),
    registerBody: JSON.stringify({ query: MOBILE_HOME, extensions: apq(MOBILE_HOME) }),
    edgeHeaders: (c) => ({ authorization: c.mobileBearer }),
    identity: (c) => c.identity.mobile,
  },
  {
    name: 'partner-v2-orders',
    edgePath: '/partner/v2/graphql',
    bff: 'bffPartner',
    bffPath: '/v2/graphql',
    query: PARTNER_ORDERS,
    body: JSON.stringify({ query: PARTNER_ORDERS }),
    registerBody: undefined,
    edgeHeaders: (c) => ({ 'x-api-key': c.partnerKey }),
    identity: (c) => c.identity.partner,
  },
];

const WEB_ME = 'query Me { me { id name } }';

/**
 * The smallest answer (about 40 bytes) on the web surface: where the edge's own per-request work
 * weighs most against the BFF's. The peers bench runs it beside the three operations above.
 */
export const SMALL_ANSWER: BenchOperation = {
  name: 'web-me',
  edgePath: '/web/graphql',
  bff: 'bffWeb',
  bffPath: '/graphql',
  query: WEB_ME,
  body: JSON.stringify({ query: WEB_ME }),
  registerBody: undefined,
  edgeHeaders: (c) => ({ authorization: c.webBearer }),
  identity: (c) => c.identity.web,
};
