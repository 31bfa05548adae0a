import type { ApolloServerPlugin } from '@apollo/server';
import type { BffContext } from './context.js';

/**
 * Tells the client when part of an answer is a last good value rather than fresh data:
 * `extensions.stale: [{ service, ageMs }]`, one entry per service, with the oldest age served.
 * A response without it is entirely fresh. The edge forwards BFF answers as they are.
 */
export const stalePlugin: ApolloServerPlugin<BffContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        const notices = contextValue.stale.notices();
        if (notices.length === 0 || response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        result.extensions = { ...result.extensions, stale: notices };
      },
    };
  },
};
