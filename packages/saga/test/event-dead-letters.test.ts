import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAppError } from '@edge/common';
import { describe, expect, it } from 'vitest';
import { createEventDeadLetters } from '../src/event-dead-letters';

/**
 * A consumers process stand-in on port 0 that answers every request with `status` and `body`,
 * keeping the Authorization header of each request.
 */
async function consumersAnswering(status: number, body: unknown) {
  const authorizations: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    authorizations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const codeOf = (error: unknown) => (isAppError(error) ? error.code : String(error));

describe('event dead letters client (operator page -> consumers process)', () => {
  it('a consumers process that does not answer is UPSTREAM_UNAVAILABLE naming it, not a 500', async () => {
    const gone = await consumersAnswering(200, {});
    await gone.close();
    const error = await createEventDeadLetters(gone.url)
      .groups('t')
      .catch((e: unknown) => e);
    expect(codeOf(error)).toBe('UPSTREAM_UNAVAILABLE');
    expect((error as Error).message).toContain(gone.url);
  });

  it('an unknown group is NOT_FOUND with the consumers message; a consumers 500 is UPSTREAM_UNAVAILABLE', async () => {
    const unknown = await consumersAnswering(404, {
      error: { code: 'NOT_FOUND', message: 'No consumer group x; known: fraud' },
    });
    const refused = await createEventDeadLetters(unknown.url)
      .replayAll('x', 't')
      .catch((e) => e);
    expect(codeOf(refused)).toBe('NOT_FOUND');
    expect((refused as Error).message).toContain('known: fraud');
    await unknown.close();

    const broken = await consumersAnswering(500, { error: { message: 'redis down' } });
    const failed = await createEventDeadLetters(broken.url)
      .list('fraud', 10, 't')
      .catch((e) => e);
    expect(codeOf(failed)).toBe('UPSTREAM_UNAVAILABLE');
    expect((failed as Error).message).toContain('redis down');
    await broken.close();
  });

  it('group figures in a shape the page does not know are UPSTREAM_UNAVAILABLE naming the field, not a page of [object Object]', async () => {
    const odd = await consumersAnswering(200, {
      groups: [{ group: 'fraud', lag: 0, oldestUnprocessedAgeMs: 0, dlqDepth: 0, consumers: 2 }],
    });
    const error = await createEventDeadLetters(odd.url)
      .groups('t')
      .catch((e: unknown) => e);
    expect(codeOf(error)).toBe('UPSTREAM_UNAVAILABLE');
    expect((error as Error).message).toContain('consumers');
    await odd.close();
  });

  it("every call carries the signed-in operator's token, which the consumers check themselves", async () => {
    const consumers = await consumersAnswering(200, { groups: [], items: [], replayed: [] });
    const client = createEventDeadLetters(consumers.url);
    await client.groups('viewer-token');
    await client.list('fraud', 10, 'viewer-token');
    await client.replayAll('fraud', 'operator-token');
    expect(consumers.authorizations).toEqual([
      'Bearer viewer-token',
      'Bearer viewer-token',
      'Bearer operator-token',
    ]);
    await consumers.close();
  });
});
