import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../src/http-client';
import { UpstreamError } from '../src/upstream-error';
import { createUpstreamMetrics } from '../src/upstream-metrics';
import { withBreaker } from '../src/with-breaker';
import { withTimeout } from '../src/with-timeout';

/** A tiny upstream whose answer each test scripts; it records requests it saw close early. */
async function scriptedUpstream(answer: (res: import('node:http').ServerResponse) => void) {
  const seen = { requests: 0, abortedByClient: 0 };
  const server: Server = createServer((req, res) => {
    seen.requests++;
    req.socket.once('close', () => {
      if (!res.writableEnded) seen.abortedByClient++;
    });
    answer(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Poll a condition (testkit's waitUntil would be a cycle: testkit depends on upstream). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

let mode: 'ok' | 'fail' | 'hang' = 'ok';
const answer = (res: import('node:http').ServerResponse) => {
  if (mode === 'hang') return;
  res.writeHead(mode === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: mode === 'ok' }));
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  mode = 'ok';
  for (const c of cleanups.splice(0)) await c();
});

describe('withBreaker', () => {
  it('opens after the volume threshold, refuses at once, then a half-open probe closes it', async () => {
    const upstream = await scriptedUpstream(answer);
    const http = createHttpClient({ service: 'product', baseUrl: upstream.url });
    const metrics = createUpstreamMetrics();
    const client = withBreaker(withTimeout(http, 500), {
      volumeThreshold: 3,
      errorThresholdPercentage: 50,
      // Long enough that the refused call below always meets the breaker still open on a loaded box.
      resetTimeoutMs: 1_000,
      metrics,
    });
    cleanups.push(upstream.close, client.close);

    mode = 'fail';
    for (let i = 0; i < 3; i++)
      await expect(client.get('/x')).rejects.toMatchObject({ status: 503 });
    expect(client.state()).toBe('open');

    const before = upstream.seen.requests;
    const refused = await client.get('/x').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UpstreamError);
    expect(refused).toMatchObject({ service: 'product', status: 0, reason: 'breaker_open' });
    expect(upstream.seen.requests).toBe(before);

    mode = 'ok';
    // Timers fire in deadline order: this one always runs after the breaker's reset timer.
    await new Promise((r) => setTimeout(r, 1_050));
    expect(client.state()).toBe('half_open');
    await expect(client.get('/x')).resolves.toEqual({ ok: true });
    expect(client.state()).toBe('closed');

    const text = await metrics.breakerState.get();
    expect(text.values[0]?.value).toBe(0);
    const transitions = (await metrics.breakerTransitions.get()).values.map((v) => v.labels['to']);
    expect(transitions).toEqual(['open', 'half_open', 'closed']);
  });

  it('a failed half-open probe opens the breaker again', async () => {
    const upstream = await scriptedUpstream(answer);
    const client = withBreaker(createHttpClient({ service: 'user', baseUrl: upstream.url }), {
      volumeThreshold: 1,
      resetTimeoutMs: 100,
    });
    cleanups.push(upstream.close, client.close);
    mode = 'fail';
    await expect(client.get('/x')).rejects.toThrow();
    expect(client.state()).toBe('open');
    await new Promise((r) => setTimeout(r, 150));
    expect(client.state()).toBe('half_open');
    await expect(client.get('/x')).rejects.toMatchObject({ status: 503 });
    expect(client.state()).toBe('open');
  });

  it('4xx answers never open the breaker', async () => {
    const upstream = await scriptedUpstream((res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"NOT_FOUND"}}');
    });
    const client = withBreaker(createHttpClient({ service: 'order', baseUrl: upstream.url }), {
      volumeThreshold: 1,
    });
    cleanups.push(upstream.close, client.close);
    for (let i = 0; i < 5; i++)
      await expect(client.get('/x')).rejects.toMatchObject({ status: 404 });
    expect(client.state()).toBe('closed');
  });

  it('a timed-out call aborts its socket and frees its capacity slot', async () => {
    const upstream = await scriptedUpstream(answer);
    const client = withBreaker(
      withTimeout(createHttpClient({ service: 'product', baseUrl: upstream.url }), 100),
      { capacity: 1, volumeThreshold: 100, timeoutMs: 100 },
    );
    cleanups.push(upstream.close, client.close);
    mode = 'hang';
    const [first, second] = await Promise.all([
      client.get('/x').catch((e: unknown) => e),
      client.get('/x').catch((e: unknown) => e),
    ]);
    expect(first).toMatchObject({ reason: 'timeout' });
    // Capacity 1: the second call is refused at once rather than queued behind the first.
    expect(second).toMatchObject({ reason: 'over_capacity' });
    await until(() => upstream.seen.abortedByClient === 1);
    expect(upstream.seen.requests).toBe(1);
    mode = 'ok';
    await expect(client.get('/x')).resolves.toEqual({ ok: true });
  });

  it('calls refused for capacity never open the breaker: one burst cannot cut the upstream off for everyone', async () => {
    const upstream = await scriptedUpstream(answer);
    const metrics = createUpstreamMetrics();
    const client = withBreaker(createHttpClient({ service: 'order', baseUrl: upstream.url }), {
      capacity: 4,
      volumeThreshold: 5,
      metrics,
    });
    cleanups.push(upstream.close, client.close);
    mode = 'ok';
    // 200 calls at once: 4 reach the upstream, 196 are refused at once.
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, () =>
        client.get('/x').then(
          () => 'ok',
          (e: unknown) => e,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(4);
    expect(outcomes.filter((o) => o !== 'ok')[0]).toMatchObject({ reason: 'over_capacity' });
    expect(client.state()).toBe('closed');
    await expect(client.get('/x')).resolves.toEqual({ ok: true });
    const text = await metrics.breakerRejections.get();
    expect(text.values.find((v) => v.labels['reason'] === 'over_capacity')?.value).toBe(196);
  });
});

describe('withBreaker, caller shares', () => {
  /** An upstream that holds every request until `open()`, then answers all of them. */
  async function gatedUpstream() {
    let waiting: (() => void)[] = [];
    let gateOpen = false;
    const upstream = await scriptedUpstream((res) => {
      const send = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      };
      if (gateOpen) send();
      else waiting.push(send);
    });
    const open = () => {
      gateOpen = true;
      for (const send of waiting) send();
      waiting = [];
    };
    return { ...upstream, open, held: () => waiting.length };
  }

  it("one caller's calls past its share wait for its own slots, past its queue are refused, and another caller is served at once; the breaker stays closed", async () => {
    const upstream = await gatedUpstream();
    const metrics = createUpstreamMetrics();
    const client = withBreaker(createHttpClient({ service: 'order', baseUrl: upstream.url }), {
      capacity: 16,
      callerShare: 2,
      callerQueue: 3,
      timeoutMs: 5_000,
      volumeThreshold: 1,
      metrics,
    });
    cleanups.push(upstream.close, client.close);
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (e: unknown) => (e instanceof UpstreamError ? (e.reason ?? String(e.status)) : String(e)),
      );

    // Ten calls of one caller: two reach the upstream, three wait, five are refused at once.
    const greedy = Array.from({ length: 10 }, () =>
      outcome(client.get('/x', { caller: 'user:greedy' })),
    );
    await until(() => upstream.held() === 2);
    const other = outcome(client.get('/x', { caller: 'user:other' }));
    const uncounted = outcome(client.get('/x'));
    await until(() => upstream.held() === 4);
    expect(upstream.seen.requests).toBe(4);
    upstream.open();
    expect(await other).toBe('ok');
    expect(await uncounted).toBe('ok');
    const greedyOutcomes = await Promise.all(greedy);
    expect(greedyOutcomes.filter((o) => o === 'ok')).toHaveLength(5);
    expect(greedyOutcomes.filter((o) => o === 'caller_share')).toHaveLength(5);
    expect(upstream.seen.requests).toBe(2 + 3 + 2);
    expect(client.state()).toBe('closed');
    const text = await metrics.breakerRejections.get();
    expect(text.values.find((v) => v.labels['reason'] === 'caller_share')?.value).toBe(5);
  });

  it('a call that waits longer than the deadline for its share is refused, and its place in the queue is given up', async () => {
    const upstream = await gatedUpstream();
    const client = withBreaker(createHttpClient({ service: 'order', baseUrl: upstream.url }), {
      callerShare: 1,
      callerQueue: 1,
      timeoutMs: 250,
      volumeThreshold: 1000,
    });
    cleanups.push(upstream.close, client.close);
    const first = client.get('/x', { caller: 'user:a' });
    await until(() => upstream.held() === 1);
    await expect(client.get('/x', { caller: 'user:a' })).rejects.toMatchObject({
      reason: 'caller_share',
    });
    // The queue's one place is free again: this call waits rather than being refused at once.
    const third = client.get('/x', { caller: 'user:a' });
    upstream.open();
    await expect(first).resolves.toEqual({ ok: true });
    await expect(third).resolves.toEqual({ ok: true });
  });
});
