import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTracing } from '@edge/common';
import { describe, expect, it } from 'vitest';
import type { CallOptions } from '../src/call-options';
import type { GuardedClient } from '../src/with-breaker';
import { withTracing } from '../src/with-tracing';

describe('withTracing', () => {
  it('with tracing on, the read still gets the caller and the stale-value ownership check', async () => {
    // A collector that takes every span and keeps none: the read is what this test looks at.
    const collector = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const { port } = collector.address() as AddressInfo;
    const tracing = await startTracing('upstream-test', { endpoint: `http://127.0.0.1:${port}` });
    try {
      const seen: CallOptions[] = [];
      const upstream = { service: 'order', state: () => 'closed' } as unknown as GuardedClient;
      const read = withTracing(
        async (_id: string, call: CallOptions) => {
          seen.push(call);
          return 'value';
        },
        upstream,
        'orders',
      );
      const mayServeStale = () => false;
      await read('o-1', { headers: {}, caller: 'user:u-1', mayServeStale });
      // Built field by field, the traced call lost both: another tenant's order could be
      // served stale, and the caller's calls were not kept to its share.
      expect(seen[0]?.caller).toBe('user:u-1');
      expect(seen[0]?.mayServeStale).toBe(mayServeStale);
      expect(seen[0]?.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    } finally {
      await tracing.shutdown();
      collector.closeAllConnections();
      await new Promise<void>((r) => collector.close(() => r()));
    }
  });
});
