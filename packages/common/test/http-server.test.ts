import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startHttpServer } from '../src/http-server';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics';
import { sendJson } from '../src/send-json';

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

describe('http server drain', () => {
  it('a GraphQL route refused while draining answers 503 SHUTTING_DOWN in GraphQL error shape', async () => {
    const gates = new Map<string, () => void>();
    const held = (name: string) =>
      new Promise<void>((resolve) => {
        gates.set(name, resolve);
      });
    const waits = { a: held('a'), b: held('b') };
    const server = await startHttpServer({
      service: 'test',
      logger: createLogger({ service: 'test', level: 'silent' }),
      metrics: createMetrics('test'),
      port: 0,
      routes: [
        {
          method: 'POST',
          path: '/graphql',
          graphql: true,
          handler: async ({ res, url }) => {
            const hold = url.searchParams.get('hold');
            if (hold === 'a' || hold === 'b') await waits[hold];
            sendJson(res, 200, { data: {} });
          },
        },
      ],
    });
    const post = (query: string) =>
      `POST /graphql${query} HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}`;
    // A (held) opens socket 1; B keeps the server from finishing its drain. C is written on
    // socket 1 after the drain began: a connection that was never idle, read while draining.
    const chunks: Buffer[] = [];
    const socket = connect({ port: server.port, host: '127.0.0.1' });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(post('?hold=a'));
    const second = raw(server.port, post('?hold=b'));
    while (gates.size < 2) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    const closing = server.close();
    socket.write(post(''));
    await new Promise((r) => setTimeout(r, 50));
    gates.get('a')?.();
    await new Promise((r) => setTimeout(r, 100));
    gates.get('b')?.();
    await closing;
    await ended;
    const answers = Buffer.concat(chunks).toString('latin1').split('HTTP/1.1 ').slice(1);
    expect(answers[0]).toMatch(/^200 /);
    expect(answers[1]).toMatch(/^503 /);
    expect(bodyOf(`HTTP/1.1 ${answers[1]}`).errors[0].extensions.code).toBe('SHUTTING_DOWN');
    expect(await second).toMatch(/^HTTP\/1\.1 200 /);
  });
});
