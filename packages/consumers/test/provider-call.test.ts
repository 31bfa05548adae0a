import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HandlerFailure } from '../src/handler-failure';
import { callProvider } from '../src/provider-call';

let server: Server;
let base: string;

// A real HTTP provider answering what each path names: `/<status>` with an optional body and
// Retry-After, as the providers answer.
beforeAll(async () => {
  server = createServer((req, res) => {
    const [, status = '200', extra] = (req.url ?? '/').split('/');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (extra === 'retry-after') headers['retry-after'] = '7';
    res.writeHead(Number(status), headers);
    res.end(
      extra === 'in-progress'
        ? JSON.stringify({ error: { code: 'CONFLICT', reason: 'request_in_progress' } })
        : JSON.stringify({ error: { code: 'X', reason: 'already_done' } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function failureOf(url: string): Promise<HandlerFailure> {
  const signal = new AbortController().signal;
  const err = await callProvider(url, { method: 'POST', body: {}, signal }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof HandlerFailure)) throw new Error(`expected a HandlerFailure, got ${err}`);
  return err;
}

describe('provider answers as handler failures', () => {
  it('a 4xx refusal is definite; 404 keeps its status for the handler to judge', async () => {
    expect(await failureOf(`${base}/400`)).toMatchObject({ kind: 'definite', status: 400 });
    expect(await failureOf(`${base}/404`)).toMatchObject({ kind: 'definite', status: 404 });
    expect(await failureOf(`${base}/409`)).toMatchObject({ kind: 'definite', status: 409 });
  });

  it('5xx, 408, 425, 429 and a 409 "request in progress" are transient, with the Retry-After asked', async () => {
    for (const status of [500, 503, 408, 425]) {
      expect(await failureOf(`${base}/${status}`)).toMatchObject({ kind: 'transient' });
    }
    expect(await failureOf(`${base}/409/in-progress`)).toMatchObject({ kind: 'transient' });
    expect(await failureOf(`${base}/429/retry-after`)).toMatchObject({
      kind: 'transient',
      retryAfterMs: 7_000,
    });
  });

  it('a refused connection is transient', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await failureOf(`http://127.0.0.1:${port}/x`)).toMatchObject({ kind: 'transient' });
  });
});
