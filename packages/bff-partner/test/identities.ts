import type { Identity } from '@edge/common';

/** A partner-acme key on v2, as the edge signs it for bff-partner. */
export const ACME_V2: Identity = Object.freeze({
  surface: 'partner',
  partnerId: 'partner-acme',
  keyId: 'key-acme',
  tier: 'pro',
  version: 'v2',
});
