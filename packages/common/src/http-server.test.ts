import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, sendJson, startHttpServer } from './http-server';
import { createLogger } from './logger';
import { createMetrics } from './metrics';

/** Send raw bytes and read until the server closes: what a client that is not fetch sees. */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
}

const bodyOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

describe('http server refusals (found by bench/src/fuzz.ts)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startHttpServer({
      service: 'test',
      logger: createLogger({ service: 'test', level: 'silent' }),
      metrics: createMetrics('test'),
      port: 0,
      routes: [
        {
          method: 'GET',
          path: '/items/:id',
          handler: ({ res, params }) => sendJson(res, 200, { id: params['id'] }),
        },
      ],
    });
  });
  afterAll(() => server.close());

  it('a request target URL cannot parse answers 400 BAD_REQUEST and the process keeps serving', async () => {
    const answer = await raw(
      server.port,
      'GET //a:99999 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(bodyOf(answer).error.code).toBe('BAD_REQUEST');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('malformed percent-encoding in a path parameter is passed on as sent, not thrown', async () => {
    const answer = await raw(
      server.port,
      'GET /items/%E0%A4%A HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(bodyOf(answer).id).toBe('%E0%A4%A');
  });

  it('a request the HTTP parser refuses answers 400 BAD_REQUEST in JSON with a request id', async () => {
    const answer = await raw(server.port, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/);
    expect(bodyOf(answer).error.code).toBe('BAD_REQUEST');
  });

  it('oversized headers answer 431 HEADERS_TOO_LARGE', async () => {
    const answer = await raw(
      server.port,
      `GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'v'.repeat(20_000)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(bodyOf(answer).error.code).toBe('HEADERS_TOO_LARGE');
  });
});
