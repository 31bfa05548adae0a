/**
 * Who may call a consumers process's operator routes, against a real process: reads need a
 * viewer token, a replay an operator's, from the saga's IdP (issuer, operator audience, keys);
 * an attacker on the network who skips the docs gets a 401 and learns nothing.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateSigningKey, mintDevToken } from '@edge/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsumerWorld, startConsumerWorld } from './consumer-fixture';

let world: ConsumerWorld;
let base: string;

beforeAll(async () => {
  world = await startConsumerWorld();
  const proc = await world.startConsumers('notification');
  base = `http://127.0.0.1:${String(proc.ready['port'])}`;
});

afterAll(async () => {
  await world?.close();
});

async function call(path: string, init: { method?: string; headers?: Record<string, string> }) {
  const post = init.method === 'POST';
  const res = await fetch(`${base}${path}`, {
    ...init,
    headers: { ...(post ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(post ? { body: JSON.stringify({ all: true }) } : {}),
  });
  const body = (await res.json().catch(() => ({}))) as {
    error?: { code: string; message: string };
  } & Record<string, unknown>;
  return { status: res.status, body };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const ROUTES = [
  { method: 'GET', path: '/groups' },
  { method: 'GET', path: '/dead-letters/notification' },
  { method: 'POST', path: '/dead-letters/notification/replay' },
] as const;

describe('consumers operator routes', () => {
  it.each(ROUTES)(
    'anonymous $method $path: 401 UNAUTHENTICATED in the service envelope',
    async (route) => {
      const { status, body } = await call(route.path, { method: route.method });
      expect(status).toBe(401);
      expect(body.error?.code).toBe('UNAUTHENTICATED');
      expect(body.error?.message).toContain('Bearer');
    },
  );

  it('anonymous callers learn no group names: an unknown group is 401 too, not a 404 listing them', async () => {
    const { status, body } = await call('/dead-letters/nope', { method: 'GET' });
    expect(status).toBe(401);
    expect(JSON.stringify(body)).not.toContain('fulfilment');
  });

  it('a token in a cookie or another Authorization scheme is not a sign-in', async () => {
    const operator = await world.operatorToken('operator');
    const attempts: Record<string, string>[] = [
      { cookie: `saga_session=${operator}` },
      { authorization: `Basic ${Buffer.from(`x:${operator}`).toString('base64')}` },
      { authorization: operator },
    ];
    for (const headers of attempts) {
      const { status, body } = await call('/dead-letters/notification/replay', {
        method: 'POST',
        headers,
      });
      expect(status, JSON.stringify(headers)).toBe(401);
      expect(body.error?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('health and metrics stay open', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it('a viewer lists groups and dead letters but a replay is 403 FORBIDDEN', async () => {
    const viewer = bearer(await world.operatorToken('viewer'));
    const groups = await call('/groups', { method: 'GET', headers: viewer });
    expect(groups.status).toBe(200);
    expect((groups.body['groups'] as { group: string }[]).map((g) => g.group)).toContain(
      'notification',
    );
    // Each consumer says whether it is live (CONSUMER_DEAD_AFTER_MS), and each group how many are.
    for (const g of groups.body['groups'] as {
      liveConsumers: number;
      consumers: { live: unknown }[];
    }[]) {
      expect(typeof g.liveConsumers).toBe('number');
      for (const c of g.consumers) expect(typeof c.live).toBe('boolean');
    }
    const letters = await call('/dead-letters/notification', { method: 'GET', headers: viewer });
    expect(letters.status).toBe(200);
    expect(letters.body['items']).toEqual([]);
    const replay = await call('/dead-letters/notification/replay', {
      method: 'POST',
      headers: viewer,
    });
    expect(replay.status).toBe(403);
    expect(replay.body.error?.code).toBe('FORBIDDEN');
  });

  it('an operator replays; a signed-in operator still gets 404 for an unknown group', async () => {
    const operator = bearer(await world.operatorToken('operator'));
    const replay = await call('/dead-letters/notification/replay', {
      method: 'POST',
      headers: operator,
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ group: 'notification', replayed: [] });
    const unknown = await call('/dead-letters/nope', { method: 'GET', headers: operator });
    expect(unknown.status).toBe(404);
  });

  it('a replay naming an id no log makes is 400 before anything is replayed', async () => {
    for (const ids of [['not-an-id'], ['1-0', '1-x'], ['18446744073709551616-0'], ['-1']]) {
      const res = await fetch(`${base}/dead-letters/notification/replay`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...bearer(await world.operatorToken('operator')),
        },
        body: JSON.stringify({ ids }),
      });
      expect(res.status, JSON.stringify(ids)).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    }
  });

  it('another key, an expired token, another audience or issuer: 401 with one message for all', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'consumers-other-idp-'));
    try {
      const otherKey = await loadOrCreateSigningKey(join(elsewhere, 'dev-idp.json'));
      const tokens = {
        otherKey: await mintDevToken(otherKey, {
          userId: 'mallory',
          issuer: 'https://dev-idp.local',
          audience: 'edge-operator',
          roles: ['operator'],
        }),
        // Past the verifier's 30 s clock tolerance.
        expired: await world.operatorToken('operator', { ttlS: -120 }),
        // A customer's web token from the same IdP is not an operator token.
        webAudience: await world.operatorToken('operator', { audience: 'edge-web' }),
        otherIssuer: await world.operatorToken('operator', { issuer: 'https://evil.example' }),
      };
      const messages = new Set<string>();
      for (const [name, token] of Object.entries(tokens)) {
        for (const route of ROUTES) {
          const { status, body } = await call(route.path, {
            method: route.method,
            headers: bearer(token),
          });
          expect(status, `${name} ${route.path}`).toBe(401);
          expect(body.error?.code).toBe('UNAUTHENTICATED');
          messages.add(body.error?.message ?? '');
        }
      }
      expect([...messages]).toEqual(['Invalid or expired operator token']);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('a valid token without a viewer or operator role is 403', async () => {
    const roleless = await world.operatorToken('viewer', { roles: ['customer'] });
    const { status, body } = await call('/groups', { method: 'GET', headers: bearer(roleless) });
    expect(status).toBe(403);
    expect(body.error?.code).toBe('FORBIDDEN');
  });
});
