import { waitUntil } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';

/** A request that has neither answered nor failed by then is hung: the test fails on it. */
const HUNG_AFTER_MS = 15_000;
/**
 * How long the user service holds each call, so requests are provably in flight at SIGTERM; under
 * the BFFs' default user deadline (1 s), so the held calls are answered by the service itself.
 */
const HOLD_MS = 600;
/**
 * The steady load spreads over this many users, as real traffic does: with the default per-user
 * limit (600 a minute) one user's loop would be answered 429 by the gateway and never reach
 * the processes being stopped.
 */
const LOAD_USERS = 150;
const IN_FLIGHT = 12;
const QUERY = '{ me { id name } }';

type Outcome =
  | { kind: 'answer'; status: number; code: string | undefined }
  | { kind: 'refused' }
  | { kind: 'reset'; cause: string }
  | { kind: 'hung' };

/**
 * What a client sees: an answer with its code; a refused connection (nothing was sent, so
 * nothing happened); a reset (the request was sent and no answer came: the client cannot tell
 * whether its order was placed, the outcome a drain must never produce); or nothing at all.
 */
async function call(gateway: string, token: string): Promise<Outcome> {
  try {
    const res = await fetch(`${gateway}/web/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: QUERY }),
      signal: AbortSignal.timeout(HUNG_AFTER_MS),
    });
    const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
    return { kind: 'answer', status: res.status, code: body.errors?.[0]?.extensions?.code };
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError') return { kind: 'hung' };
    const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
    if (cause?.code === 'ECONNREFUSED') return { kind: 'refused' };
    // Named in the tally, so a failure says which race it was (a reset socket, a cut body...).
    return {
      kind: 'reset',
      cause: cause?.code ?? (err instanceof Error ? err.message : 'unknown'),
    };
  }
}

/** Each call the next of `tokens`, round the list. */
function roundRobin(tokens: readonly string[]): () => string {
  let next = 0;
  return () => tokens[next++ % tokens.length] as string;
}

/** A steady stream of concurrent clients until stopped; every outcome is kept. */
function steadyLoad(gateway: string, nextUser: () => string, clients: number) {
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const outcome = await call(gateway, nextUser());
      outcomes.push(outcome);
      // A refused client backs off a little instead of spinning on the restarting port.
      if (outcome.kind === 'refused') await new Promise((r) => setTimeout(r, 10));
    }
  });
  return {
    outcomes,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

/**
 * Resolves once a process answers /readyz 503 (draining) or refuses connections: signal delivery
 * is asynchronous, so a request sent right after kill() may still be served normally.
 */
async function draining(base: string): Promise<void> {
  await waitUntil(
    `${base} draining`,
    async () =>
      (await fetch(`${base}/readyz`).then(
        (res) => res.status,
        () => 0,
      )) !== 200,
    30_000,
    5,
  );
}

/** Until the steady load has seen `count` outcomes in all. */
function outcomesPast(load: { outcomes: Outcome[] }, count: number): Promise<boolean> {
  return waitUntil(`${count} outcomes`, () => load.outcomes.length >= count, 60_000, 20);
}

const label = (o: Outcome) =>
  o.kind === 'answer'
    ? `${o.status} ${o.code ?? 'ok'}`
    : o.kind === 'reset'
      ? `reset ${o.cause}`
      : o.kind;
const tally = (outcomes: Outcome[]) => {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[label(o)] = (counts[label(o)] ?? 0) + 1;
  return counts;
};

describe('graceful shutdown and restarts under load', () => {
  let stack: TestStack;
  let token: string;
  /** The load's users in turn; u-1, whose calls are held, is not among them. */
  let nextUser: () => string;
  beforeAll(async () => {
    // Shipped defaults: no deadline or limit is raised.
    stack = await startTestStack();
    token = await stack.token('web', 'u-1');
    // A last good value of u-1 at the BFF: should a held call outlast the deadline on a loaded
    // machine, the BFF answers from it (the stale fallback) rather than failing the request.
    expect(label(await call(stack.urls.gateway, token))).toBe('200 ok');
    nextUser = roundRobin(
      await Promise.all(
        Array.from({ length: LOAD_USERS }, (_, i) => stack.token('web', `u-${i + 2}`)),
      ),
    );
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Start IN_FLIGHT requests and resolve once the user service holds every one of them. */
  async function holdInFlight(): Promise<Promise<Outcome[]>> {
    await stack.mock.resetCalls('user');
    await stack.mock.fault('user', { mode: 'latency', latencyMs: HOLD_MS, calls: IN_FLIGHT });
    const held = Promise.all(
      Array.from({ length: IN_FLIGHT }, () => call(stack.urls.gateway, token)),
    );
    await waitUntil(
      `${IN_FLIGHT} user calls held`,
      async () =>
        Object.values(await stack.mock.calls('user')).reduce((a, b) => a + b, 0) >= IN_FLIGHT,
      30_000,
      20,
    );
    return held;
  }

  it('SIGTERM to the gateway: in-flight requests finish 200, new ones get 503 SHUTTING_DOWN or a refused connection, none is reset', async () => {
    const load = steadyLoad(stack.urls.gateway, nextUser, 4);
    const held = await holdInFlight();
    const gateway = stack.processes.get('gateway');
    const exited = new Promise<number | null>((resolve) => gateway?.child.once('exit', resolve));
    gateway?.child.kill('SIGTERM');
    await draining(stack.urls.gateway);
    const during: Outcome[] = [];
    // New requests while the held ones drain: none may be served, none may hang.
    while (gateway?.child.exitCode === null)
      during.push(await call(stack.urls.gateway, nextUser()));
    expect(await exited).toBe(0);
    const inFlight = await held;
    const background = await load.stop();
    // Restarted before any assertion can fail, so one failure never cascades into the next tests.
    await stack.restart('gateway');

    expect(inFlight.map(label)).toEqual(Array(IN_FLIGHT).fill('200 ok'));
    expect(during.length).toBeGreaterThan(0);
    for (const o of during) expect(['503 SHUTTING_DOWN', 'refused']).toContain(label(o));
    const allowed = ['200 ok', '503 SHUTTING_DOWN', 'refused'];
    for (const o of background)
      expect(allowed, JSON.stringify(tally(background))).toContain(label(o));
    expect(label(await call(stack.urls.gateway, token))).toBe('200 ok');
  });

  it('SIGTERM to a BFF: its in-flight requests finish 200, new ones get a 503 with a code', async () => {
    const load = steadyLoad(stack.urls.gateway, nextUser, 4);
    const held = await holdInFlight();
    const bff = stack.processes.get('bff-web');
    const exited = new Promise<number | null>((resolve) => bff?.child.once('exit', resolve));
    bff?.child.kill('SIGTERM');
    await draining(stack.urls.bffWeb);
    const during: Outcome[] = [];
    while (bff?.child.exitCode === null) during.push(await call(stack.urls.gateway, nextUser()));
    expect(await exited).toBe(0);
    const inFlight = await held;
    const afterExit = await call(stack.urls.gateway, token);
    const background = await load.stop();
    await stack.restart('bff-web');

    expect(inFlight.map(label)).toEqual(Array(IN_FLIGHT).fill('200 ok'));
    for (const o of during) {
      expect(['503 SHUTTING_DOWN', '503 UPSTREAM_UNAVAILABLE']).toContain(label(o));
    }
    expect(label(afterExit)).toBe('503 UPSTREAM_UNAVAILABLE');
    const allowed = ['200 ok', '503 SHUTTING_DOWN', '503 UPSTREAM_UNAVAILABLE'];
    for (const o of background)
      expect(allowed, JSON.stringify(tally(background))).toContain(label(o));
    expect(label(await call(stack.urls.gateway, token))).toBe('200 ok');
  });

  it('a BFF restarting under load costs clients only answered failures with codes, never a hung request', async () => {
    const load = steadyLoad(stack.urls.gateway, nextUser, 8);
    await outcomesPast(load, 50);
    await stack.restart('bff-web');
    await outcomesPast(load, load.outcomes.length + 50);
    const outcomes = await load.stop();
    const counts = tally(outcomes);
    const allowed = ['200 ok', '503 SHUTTING_DOWN', '503 UPSTREAM_UNAVAILABLE'];
    for (const o of outcomes) expect(allowed, JSON.stringify(counts)).toContain(label(o));
    // Served again after the restart: the last requests were answered by the new process.
    expect(outcomes.slice(-8).map(label)).toEqual(Array(8).fill('200 ok'));
    console.log('bff-web restart under load:', counts);
  });

  it('rolling restarts of the gateway under load end with zero resets: every request sent is answered or refused before sending', async () => {
    const load = steadyLoad(stack.urls.gateway, nextUser, 8);
    for (let round = 0; round < 2; round++) {
      await outcomesPast(load, load.outcomes.length + 40);
      await stack.restart('gateway');
    }
    await outcomesPast(load, load.outcomes.length + 40);
    const outcomes = await load.stop();
    const counts = tally(outcomes);
    // The property: every request sent got an answer (200, or a coded 503 such as a BFF call
    // timing out while the new gateway warms up under load) or was refused before it was sent.
    const resetOrHung = outcomes.filter((o) => o.kind === 'reset' || o.kind === 'hung');
    expect(resetOrHung, JSON.stringify(counts)).toEqual([]);
    console.log('gateway rolling restarts under load:', counts);
  });
});
