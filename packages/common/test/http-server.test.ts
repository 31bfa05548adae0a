import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBody } from '../src/body';
import { type RunningServer, SOCKET_TIMEOUTS, startHttpServer } from '../src/http-server';
import { createLogger } from '../src/logger';
import { createMetrics } from '../src/metrics';
import { sendJson } from '../src/send-json';
import { capturingLogger } from './log-lines';

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
        {
          method: 'POST',
          path: '/graphql',
          graphql: true,
          handler: ({ res }) => sendJson(res, 200, { data: {} }),
        },
        {
          method: 'POST',
          path: '/small',
          handler: async ({ req, res }) => {
            await readBody(req, 16);
            sendJson(res, 200, {});
          },
        },
      ],
    });
  });
  afterAll(() => server.close());

  it('a body refused as too large is answered once, 413, and its connection closed while it still trickles in', async () => {
    for (const head of [
      // Declared too large, and streamed past the limit under a false length.
      'content-length: 100000\r\n\r\n{"a":',
      'content-length: 100000\r\n\r\n{"a":"0123456789012345678901234567890123456789"',
    ]) {
      // The shipped request timeout (30 s) answered such a sender a second time, 408, later.
      const answer = await raw(server.port, `POST /small HTTP/1.1\r\nhost: x\r\n${head}`);
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer.match(/HTTP\/1\.1 /g)).toHaveLength(1);
      expect(bodyOf(answer).error.code).toBe('PAYLOAD_TOO_LARGE');
    }
  });

  it('HEAD is answered as GET without a body (load balancers probe with it)', async () => {
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${server.url}/items/7`, { method: 'HEAD' })).status).toBe(200);
  });

  it('another method on a GraphQL path is a GraphQL-shaped 405, on any other path a JSON one, each with Allow', async () => {
    const graphql = await fetch(`${server.url}/graphql`);
    expect(graphql.status).toBe(405);
    expect(graphql.headers.get('allow')).toBe('POST');
    expect(await graphql.json()).toMatchObject({
      errors: [{ extensions: { code: 'METHOD_NOT_ALLOWED' } }],
    });
    const other = await fetch(`${server.url}/healthz`, { method: 'DELETE' });
    expect(other.status).toBe(405);
    expect(other.headers.get('allow')).toBe('GET, HEAD');
    expect(await other.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
  });

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

  it('targets that are not plain paths route as the URL parser resolves them (dot segments, escapes, a query)', async () => {
    const get = (target: string) =>
      raw(server.port, `GET ${target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
    const cases: [string, string | undefined][] = [
      ['/other/../items/a', 'a'],
      ['/items/./b', 'b'],
      ['/items/%63', 'c'],
      ['/items/d?x=1', 'd'],
      ['/items/e/..', undefined],
    ];
    for (const [target, id] of cases) {
      const answer = await get(target);
      if (id === undefined) expect(answer, target).toMatch(/^HTTP\/1\.1 404 /);
      else expect(bodyOf(answer).id, target).toBe(id);
    }
  });

  it('a request the HTTP parser refuses answers 400 BAD_REQUEST in JSON with a request id', async () => {
    const answer = await raw(server.port, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/);
    expect(bodyOf(answer).error.code).toBe('BAD_REQUEST');
  });

  it('an HTTP/1.1 request without Host answers 400 BAD_REQUEST in JSON with a request id, on a GraphQL path too, and closes', async () => {
    // No "connection: close" sent: raw() resolves only once the server closes the socket.
    for (const request of [
      'GET /healthz HTTP/1.1\r\n\r\n',
      'POST /graphql HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}',
    ]) {
      const answer = await raw(server.port, request);
      expect(answer, request).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer, request).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/);
      expect(answer, request).toMatch(/\r\nconnection: close\r\n/i);
      expect(bodyOf(answer), request).toEqual({
        error: { code: 'BAD_REQUEST', message: 'Missing Host header' },
      });
    }
    // HTTP/1.0 has no Host requirement.
    const old = await raw(server.port, 'GET /healthz HTTP/1.0\r\n\r\n');
    expect(old).toMatch(/^HTTP\/1\.1 200 /);
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

/** A raw keep-alive connection that collects everything the server sends until it closes. */
function connection(port: number) {
  const socket = connect({ port, host: '127.0.0.1' });
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('latin1');
  });
  const ended = new Promise<string>((resolve) => {
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    socket.on('close', () => resolve('closed by server'));
  });
  return {
    write: (bytes: string) => socket.write(bytes),
    answers: () => received.split('HTTP/1.1 ').slice(1),
    ended,
  };
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

describe('http server drain without resets', () => {
  it('in-flight answers carry Connection: close, and a request written on an idle keep-alive connection as the drain begins is answered 503 SHUTTING_DOWN (GraphQL shape), never reset', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered = 0;
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
            entered++;
            if (url.searchParams.has('hold')) await held;
            sendJson(res, 200, { data: {} });
          },
        },
      ],
    });
    const post = (query: string) =>
      `POST /graphql${query} HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}`;
    const busy = connection(server.port);
    const idle = connection(server.port);
    idle.write(post(''));
    await until(() => idle.answers().length === 1);
    busy.write(post('?hold'));
    await until(() => entered === 2);

    // The drain starts and, in the same tick, a client that cannot know yet writes its next
    // request on the idle connection (closing idle connections at once would reset it).
    const closing = server.close();
    idle.write(post(''));
    expect(await idle.ended).toBe('closed by server');
    const [, refused] = idle.answers();
    expect(refused).toMatch(/^503 /);
    expect(refused).toMatch(/\r\nconnection: close\r\n/i);
    expect(bodyOf(`HTTP/1.1 ${refused}`).errors[0].extensions.code).toBe('SHUTTING_DOWN');

    release();
    expect(await busy.ended).toBe('closed by server');
    const [answered] = busy.answers();
    expect(answered).toMatch(/^200 /);
    expect(answered).toMatch(/\r\nconnection: close\r\n/i);
    await closing;
  });
});

describe('http server access log', () => {
  it('one info line per request with method, path, status, duration, request and trace ids and what the handler adds; probes at debug', async () => {
    const { log, lines } = capturingLogger();
    const server = await startHttpServer({
      service: 'test',
      logger: log,
      metrics: createMetrics('test'),
      port: 0,
      routes: [
        {
          method: 'GET',
          path: '/items/:id',
          handler: (ctx) => {
            ctx.accessLog['surface'] = 'web';
            sendJson(ctx.res, 200, {});
          },
        },
      ],
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await fetch(`${server.url}/items/1`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'req-1' },
    });
    await fetch(`${server.url}/healthz`);
    await server.close();
    const access = lines.filter((l) => l['msg'] === 'request');
    expect(access).toEqual([
      expect.objectContaining({
        level: 30,
        method: 'GET',
        path: '/items/1',
        status: 200,
        ms: expect.any(Number),
        reqId: 'req-1',
        traceId,
        surface: 'web',
      }),
      expect.objectContaining({ level: 20, path: '/healthz' }),
    ]);
  });
  it("a request its handler marks quiet (a BFF: the gateway's schema poll) is logged at debug", async () => {
    const { log, lines } = capturingLogger();
    const server = await startHttpServer({
      service: 'test',
      logger: log,
      metrics: createMetrics('test'),
      port: 0,
      routes: [
        {
          method: 'POST',
          path: '/graphql',
          handler: (ctx) => {
            ctx.quiet = ctx.req.headers['x-poll'] === 'yes';
            sendJson(ctx.res, 200, {});
          },
        },
      ],
    });
    await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'x-poll': 'yes' } });
    await fetch(`${server.url}/graphql`, { method: 'POST' });
    await server.close();
    const access = lines.filter((l) => l['msg'] === 'request');
    expect(access.map((l) => l['level'])).toEqual([20, 30]);
  });
});

describe('http server socket timeouts', () => {
  let server: RunningServer;
  /** Resolves when the server gives up an answer its client never reads. */
  let abandoned: Promise<void>;
  let abandon: () => void;
  beforeAll(async () => {
    abandoned = new Promise((resolve) => {
      abandon = resolve;
    });
    server = await startHttpServer({
      service: 'test',
      logger: createLogger({ service: 'test', level: 'silent' }),
      metrics: createMetrics('test'),
      port: 0,
      // The shipped values scaled down (SOCKET_TIMEOUTS), keeping their order: a request deadline
      // well before the idle one, so a late 408 on a loaded machine is still answered first.
      socketTimeouts: { headersMs: 200, requestMs: 400, inactiveMs: 3_000 },
      routes: [
        {
          method: 'GET',
          path: '/endless',
          // An answer larger than any socket buffer: written as fast as the client reads it.
          handler: ({ res }) => {
            const chunk = Buffer.alloc(64 * 1024, 'x');
            const write = () => {
              while (res.write(chunk));
            };
            res.on('drain', write);
            res.on('close', () => abandon());
            write();
          },
        },
        {
          method: 'POST',
          path: '/upload',
          handler: async ({ req, res }) => {
            for await (const _chunk of req);
            sendJson(res, 200, {});
          },
        },
      ],
    });
  });
  afterAll(() => server.close());

  it('a body that stops arriving is answered 408 REQUEST_TIMEOUT, not held for minutes', async () => {
    const answer = await raw(
      server.port,
      'POST /upload HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"a":',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(bodyOf(answer).error.code).toBe('REQUEST_TIMEOUT');
  });

  it('a client that stops reading an answer has its socket closed, and the answer freed', async () => {
    const socket = connect({ port: server.port, host: '127.0.0.1' }, () => {
      socket.write('GET /endless HTTP/1.1\r\nhost: x\r\n\r\n');
      // Never read: the answer fills both socket buffers and the server's writes stall.
      socket.pause();
    });
    socket.on('error', () => {});
    await abandoned;
    socket.destroy();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('ships with bounds on every wait (the scaled values above stand for these)', () => {
    expect(SOCKET_TIMEOUTS).toEqual({
      keepAliveMs: 65_000,
      headersMs: 20_000,
      requestMs: 30_000,
      inactiveMs: 120_000,
    });
  });
});
