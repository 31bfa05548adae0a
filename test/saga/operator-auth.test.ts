/**
 * Every refusal of the saga API and the operator page, against a real orchestrator process
 * (file store, services-mock behind it): who may call what, and what another web page cannot do.
 */

import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLogger,
  INTERNAL_TOKEN_HEADER,
  loadOrCreateSigningKey,
  mintDevToken,
  signInternalToken,
} from '@edge/common';
import { loadSagaConfig, type SagaService, startSagaService } from '@edge/saga';
import { createMockControl, type ServicesMock } from '@edge/services-mock';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMock, stockedItems, testCredentials } from './saga-harness';

const log = createLogger({ service: 'operator-auth-test', level: 'silent' });

let mock: ServicesMock;
let saga: SagaService;
let dataDir: string;
let creds: ReturnType<typeof testCredentials>;
let items: Awaited<ReturnType<typeof stockedItems>>;
/** Where no consumers process answers: a port just freed (a running stack holds 4040). */
let noConsumersUrl: string;

async function freedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

async function call(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) {
  const res = await fetch(`${saga.url}${path}`, { ...init, redirect: 'manual' });
  const text = await res.text();
  let json: { error?: { code?: string; reason?: string; message?: string } } & Record<
    string,
    unknown
  > = {};
  try {
    json = JSON.parse(text);
  } catch {
    // An HTML page.
  }
  return { status: res.status, json, text, headers: res.headers };
}

const jsonHeaders = (extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  ...extra,
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  mock = await startMock();
  items = await stockedItems(mock);
  dataDir = mkdtempSync(join(tmpdir(), 'operator-auth-'));
  creds = testCredentials(dataDir);
  noConsumersUrl = await freedPortUrl();
  saga = await startSagaService(
    loadSagaConfig({
      SAGA_PORT: '0',
      STORE_MODE: 'memory',
      DATA_DIR: dataDir,
      ORDER_SERVICE_URL: mock.urls.order,
      INVENTORY_SERVICE_URL: mock.urls.inventory,
      PAYMENT_SERVICE_URL: mock.urls.payment,
      SHIPPING_SERVICE_URL: mock.urls.shipping,
      USER_SERVICE_URL: mock.urls.user,
      CONSUMERS_URL: noConsumersUrl,
      SAGA_POLL_INTERVAL_MS: '20',
      LOG_LEVEL: 'silent',
    }),
    log,
  );
});

afterAll(async () => {
  await saga?.close();
  await mock?.close();
});

describe('operators', () => {
  it('no token returns 401 UNAUTHENTICATED', async () => {
    const res = await call('/sagas?status=any');
    expect(res.status).toBe(401);
    expect(res.json.error?.code).toBe('UNAUTHENTICATED');
  });

  it('a token from another issuer key returns 401 UNAUTHENTICATED', async () => {
    const stranger = await loadOrCreateSigningKey(join(dataDir, 'keys', 'stranger.json'));
    const forged = await mintDevToken(stranger, {
      userId: 'mallory',
      issuer: 'https://dev-idp.local',
      audience: 'edge-operator',
      roles: ['operator'],
    });
    const res = await call('/sagas?status=any', { headers: bearer(forged) });
    expect(res.status).toBe(401);
  });

  it('a user token (web audience) is not an operator token: 401', async () => {
    const key = await loadOrCreateSigningKey(join(dataDir, 'keys', 'dev-idp.json'));
    const user = await mintDevToken(key, {
      userId: 'u-1',
      issuer: 'https://dev-idp.local',
      audience: 'edge-web',
      roles: ['operator'],
    });
    expect((await call('/sagas?status=any', { headers: bearer(user) })).status).toBe(401);
  });

  it("a token the edge's policy refuses is refused here too: two audiences, a sub that is not a short plain string, another typ", async () => {
    const key = await loadOrCreateSigningKey(join(dataDir, 'keys', 'dev-idp.json'));
    const mint = (sub: unknown, audience: string | string[], typ = 'JWT') =>
      new SignJWT({ roles: ['operator'], sub: sub as string })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ })
        .setIssuer('https://dev-idp.local')
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key.privateKey);
    const refused = [
      await mint('ops-1', ['edge-operator', 'edge-web']),
      await mint(5, 'edge-operator'),
      // The subject is every audit record's actor.
      await mint('a\r\nb\u0000', 'edge-operator'),
      await mint('x'.repeat(5000), 'edge-operator'),
      // Shown as the audit actor: it must read as stored, and say something.
      await mint('alice\u202e@evil.com\u202c', 'edge-operator'),
      await mint('   ', 'edge-operator'),
      await mint('ops-1', 'edge-operator', 'dpop+jwt'),
    ];
    for (const token of refused) {
      const res = await call('/sagas?status=any', { headers: bearer(token) });
      expect(res.status).toBe(401);
      expect(res.json.error?.code).toBe('UNAUTHENTICATED');
    }
    const plain = await mint('ops-1', 'edge-operator', 'at+jwt');
    expect((await call('/sagas?status=any', { headers: bearer(plain) })).status).toBe(200);
  });

  it('a token without a role returns 403 FORBIDDEN', async () => {
    const key = await loadOrCreateSigningKey(join(dataDir, 'keys', 'dev-idp.json'));
    const roleless = await mintDevToken(key, {
      userId: 'someone',
      issuer: 'https://dev-idp.local',
      audience: 'edge-operator',
    });
    const res = await call('/sagas?status=any', { headers: bearer(roleless) });
    expect(res.status).toBe(403);
    expect(res.json.error?.code).toBe('FORBIDDEN');
  });

  it('a viewer reads but a viewer replay returns 403 FORBIDDEN', async () => {
    const viewer = await creds.operatorToken('viewer', 'viewer@example.com');
    expect((await call('/sagas?status=any', { headers: bearer(viewer) })).status).toBe(200);
    const res = await call('/sagas/sg-any/replay', {
      method: 'POST',
      headers: jsonHeaders(bearer(viewer)),
      body: JSON.stringify({ reason: 'try' }),
    });
    expect(res.status).toBe(403);
    expect(res.json.error?.code).toBe('FORBIDDEN');
    expect(res.json.error?.message).toMatch(/operator role/);
  });

  it('a text/plain POST returns 415 UNSUPPORTED_MEDIA_TYPE, even from an operator', async () => {
    const operator = await creds.operatorToken('operator');
    const res = await call('/sagas/sg-any/resolve', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...bearer(operator) },
      body: JSON.stringify({ reason: 'x', reference: 'y' }),
    });
    expect(res.status).toBe(415);
    expect(res.json.error?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a POST with a foreign Origin or Sec-Fetch-Site cross-site returns 403', async () => {
    const operator = await creds.operatorToken('operator');
    const foreign: Array<Record<string, string>> = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const header of foreign) {
      const res = await call('/sagas/sg-any/replay', {
        method: 'POST',
        headers: jsonHeaders({ ...bearer(operator), ...header }),
        body: JSON.stringify({ reason: 'x' }),
      });
      expect(res.status, JSON.stringify(header)).toBe(403);
      expect(res.json.error?.reason).toBe('cross_site');
    }
  });

  it('an actor in the body, or an unreadable reason, is refused: the audit names the signed-in subject only', async () => {
    const operator = await creds.operatorToken('operator');
    const res = await call('/sagas/sg-any/replay', {
      method: 'POST',
      headers: jsonHeaders(bearer(operator)),
      body: JSON.stringify({ reason: 'x', actor: 'someone-else' }),
    });
    expect(res.status).toBe(400);
    expect(res.json.error?.message).toMatch(/actor/);
    // The reconciliation fix takes the same body: a reason, nothing else, readable.
    for (const body of [
      { reason: 'x', actor: 'someone-else' },
      { reason: 'fixed by \u202eSDRAWKCAB\u202c' },
      { reason: 'red \u001b[31m' },
    ]) {
      const fix = await call('/reconciliation/fix', {
        method: 'POST',
        headers: jsonHeaders(bearer(operator)),
        body: JSON.stringify(body),
      });
      expect(fix.status).toBe(400);
      expect(fix.json.error?.code).toBe('BAD_REQUEST');
    }
  });
});

describe('the page session', () => {
  it('the page without a session answers 401 with how to sign in, under a strict CSP', async () => {
    const res = await call('/remediation');
    expect(res.status).toBe(401);
    expect(res.text).toContain('token --role operator');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1] ?? '';
    expect(res.text).toContain(`<script nonce="${nonce}">`);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it('signing in sets an HttpOnly SameSite=Strict cookie; state changes need its CSRF token', async () => {
    const operator = await creds.operatorToken('operator');
    const signIn = await call('/session', {
      method: 'POST',
      headers: jsonHeaders(),
      body: JSON.stringify({ token: operator }),
    });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^saga_session=/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).not.toContain('Secure'); // development: plain http on localhost
    const session = { cookie: cookie.split(';')[0] ?? '' };

    const page = await call('/remediation', { headers: session });
    expect(page.status).toBe(200);
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(page.text)?.[1] ?? '';
    expect(csrf).not.toBe('');

    const withoutCsrf = await call('/sagas/sg-missing/replay', {
      method: 'POST',
      headers: jsonHeaders(session),
      body: JSON.stringify({ reason: 'x' }),
    });
    expect(withoutCsrf.status).toBe(403);
    expect(withoutCsrf.json.error?.reason).toBe('csrf');

    const withCsrf = await call('/sagas/sg-missing/replay', {
      method: 'POST',
      headers: jsonHeaders({ ...session, 'x-csrf-token': csrf }),
      body: JSON.stringify({ reason: 'x' }),
    });
    expect(withCsrf.status).toBe(404);
  });

  /** The session cookie of a viewer signed in through the page's form. */
  async function viewerSessionCookie(): Promise<string> {
    const viewer = await creds.operatorToken('viewer', 'viewer@example.com');
    const signIn = await call('/session', {
      method: 'POST',
      headers: jsonHeaders(),
      body: JSON.stringify({ token: viewer }),
    });
    return (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  }

  it('a viewer sees the page without any action button', async () => {
    const cookie = await viewerSessionCookie();
    const page = await call('/remediation?status=any', { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('(viewer)');
    expect(page.text).not.toContain('data-action="replay"');
    expect(page.text).not.toContain('data-action="bulk"');
  });

  it('a bad filter or an unknown saga is an error page with its code, not raw JSON', async () => {
    const cookie = await viewerSessionCookie();
    const badFilter = await call('/remediation?limit=abc', { headers: { cookie } });
    expect(badFilter.status).toBe(400);
    expect(badFilter.headers.get('content-type')).toContain('text/html');
    expect(badFilter.text).toContain('400: BAD_REQUEST');
    const unknown = await call('/remediation/sagas/%3Cb%3Enope', { headers: { cookie } });
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('404: NOT_FOUND');
    // The id is shown escaped, never as markup.
    expect(unknown.text).toContain('No saga &lt;b&gt;nope');
  });

  it('the events page with no consumers process answering is an error page in the frame naming CONSUMERS_URL and the runbook', async () => {
    const cookie = await viewerSessionCookie();
    const page = await call('/remediation/events', { headers: { cookie } });
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('503: UPSTREAM_UNAVAILABLE');
    expect(page.text).toContain(
      `No consumers process answers at ${noConsumersUrl} (CONSUMERS_URL)`,
    );
    expect(page.text).toContain('EdgeOrderEventsNoLiveConsumer');
    // The signed-in frame: navigation and who is signed in.
    expect(page.text).toContain('(viewer)');
    expect(page.text).toContain('href="/remediation"');
  });

  it('a sign-in posted as a form is refused with 415', async () => {
    const res = await call('/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=x',
    });
    expect(res.status).toBe(415);
  });
});

describe('customers through a BFF', () => {
  const order = (extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      idempotencyKey: `k-${Math.random()}`,
      type: 'place_order',
      items: items(7),
      ...extra,
    });

  it('POST /sagas without the edge identity returns 401', async () => {
    const res = await call('/sagas', { method: 'POST', headers: jsonHeaders(), body: order() });
    expect(res.status).toBe(401);
  });

  it('an operator token cannot place orders: only the edge-signed identity can', async () => {
    const operator = await creds.operatorToken('operator');
    const res = await call('/sagas', {
      method: 'POST',
      headers: jsonHeaders(bearer(operator)),
      body: order(),
    });
    expect(res.status).toBe(401);
  });

  it('a body userId is refused with 400, and the order is for the signed identity', async () => {
    const asU3 = await creds.asUser('u-3');
    const refused = await call('/sagas', {
      method: 'POST',
      headers: jsonHeaders(asU3),
      body: order({ userId: 'u-99' }),
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error?.reason).toBe('body_user_id');

    const placed = await call('/sagas?waitMs=5000', {
      method: 'POST',
      headers: jsonHeaders(asU3),
      body: order(),
    });
    expect(placed.status).toBe(201);
    const id = String(placed.json['id']);
    const operator = await creds.operatorToken('viewer');
    const view = await call(`/sagas/${id}`, { headers: bearer(operator) });
    const created = (
      view.json['history'] as Array<{ type: string; input?: { userId: string } }>
    )[0];
    expect(created?.input?.userId).toBe('u-3');
    expect(view.json['clientKey']).toMatch(/^[0-9a-f]{64}$/);

    // Another user's identity does not see it, and cannot cancel it.
    const asU4 = await creds.asUser('u-4');
    expect((await call(`/sagas/${id}`, { headers: asU4 })).status).toBe(404);
    const cancel = await call(`/sagas/${id}/cancel`, {
      method: 'POST',
      headers: jsonHeaders(asU4),
      body: JSON.stringify({ idempotencyKey: 'c-1' }),
    });
    expect(cancel.status).toBe(404);
    expect((await call(`/sagas/${id}`, { headers: asU3 })).status).toBe(200);
  });

  it('a customer cancelling an order that did not go through is told so in their words, and an unknown one is NOT_FOUND', async () => {
    const asU5 = await creds.asUser('u-5');
    // An unknown product: the order is created, its reservation refused, and it is undone.
    const failed = await call('/sagas?waitMs=5000', {
      method: 'POST',
      headers: jsonHeaders(asU5),
      body: order({ items: [{ productId: 'p-unknown', quantity: 1 }] }),
    });
    expect(failed.json['status']).toBe('compensated');
    const cancel = (path: string) =>
      call(path, {
        method: 'POST',
        headers: jsonHeaders(asU5),
        body: JSON.stringify({ idempotencyKey: `c-${Math.random()}` }),
      });
    const refused = await cancel(`/sagas/${String(failed.json['id'])}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({
      code: 'CONFLICT',
      reason: 'not_cancellable',
      message: 'This order did not go through: it was undone and any charge refunded',
    });
    const unknown = await cancel('/orders/o-404404/cancel');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error?.message).toBe('No cancellable order o-404404');
  });

  it('an identity signed by another key returns 401', async () => {
    const stranger = await loadOrCreateSigningKey(join(dataDir, 'keys', 'stranger-edge.json'));
    const forged = await signInternalToken({ surface: 'web', userId: 'u-1' }, stranger, 'web');
    const res = await call('/sagas', {
      method: 'POST',
      headers: jsonHeaders({ [INTERNAL_TOKEN_HEADER]: forged }),
      body: order(),
    });
    expect(res.status).toBe(401);
  });

  it('every BFF surface is accepted: a mobile identity places its own order', async () => {
    const edge = await loadOrCreateSigningKey(join(dataDir, 'keys', 'edge.json'));
    const mobile = await signInternalToken({ surface: 'mobile', userId: 'u-8' }, edge, 'mobile');
    const res = await call('/sagas', {
      method: 'POST',
      headers: jsonHeaders({ [INTERNAL_TOKEN_HEADER]: mobile }),
      body: order(),
    });
    expect(res.status).toBe(201);
    // A web-surface audience carrying a partner identity is refused: audience and surface agree.
    const mismatched = await signInternalToken(
      { surface: 'partner', partnerId: 'partner-acme', keyId: 'k1', tier: 'pro', version: 'v2' },
      edge,
      'web',
    );
    const refused = await call('/sagas', {
      method: 'POST',
      headers: jsonHeaders({ [INTERNAL_TOKEN_HEADER]: mismatched }),
      body: order(),
    });
    expect(refused.status).toBe(401);
  });

  it('a partner must name its customer; a user may not', async () => {
    const edge = await loadOrCreateSigningKey(join(dataDir, 'keys', 'edge.json'));
    const partner = await signInternalToken(
      { surface: 'partner', partnerId: 'partner-acme', keyId: 'k1', tier: 'pro', version: 'v2' },
      edge,
      'partner',
    );
    const missing = await call('/sagas', {
      method: 'POST',
      headers: jsonHeaders({ [INTERNAL_TOKEN_HEADER]: partner }),
      body: order(),
    });
    expect(missing.status).toBe(400);
    const user = await call('/sagas', {
      method: 'POST',
      headers: jsonHeaders(await creds.asUser('u-3')),
      body: order({ customerId: 'u-5' }),
    });
    expect(user.status).toBe(400);
  });

  /** A partner identity as the edge signs it: what a BFF replaying a partner's token holds. */
  async function asPartner(partnerId: string) {
    const edge = await loadOrCreateSigningKey(join(dataDir, 'keys', 'edge.json'));
    const token = await signInternalToken(
      { surface: 'partner', partnerId, keyId: 'k1', tier: 'pro', version: 'v2' },
      edge,
      'partner',
    );
    return jsonHeaders({ [INTERNAL_TOKEN_HEADER]: token });
  }

  it("a partner orders only for its own customers: a platform user, another partner's customer and an unknown id get one answer, and no saga", async () => {
    const headers = await asPartner('partner-acme');
    // Seeded: u-251..u-275 registered through partner-acme, u-276..u-300 through partner-globex.
    for (const customerId of ['u-5', 'u-276', 'u-999999', 'u-1,u-251']) {
      const refused = await call('/sagas', {
        method: 'POST',
        headers,
        body: order({ customerId }),
      });
      expect(refused.status, customerId).toBe(400);
      expect(refused.json.error?.reason, customerId).toBe('not_partner_customer');
    }
    const own = await call('/sagas', {
      method: 'POST',
      headers,
      body: order({ customerId: 'u-251' }),
    });
    expect(own.status).toBe(201);
    const listed = await call('/sagas?status=any&limit=1000', {
      headers: jsonHeaders(bearer(await creds.operatorToken('operator'))),
    });
    const customers = (listed.json['items'] as { userId: string; partnerId: string | null }[])
      .filter((s) => s.partnerId === 'partner-acme')
      .map((s) => s.userId);
    expect(customers).toEqual(['u-251']);
  });

  it('with the user service down a partner order is refused 503 UPSTREAM_UNAVAILABLE, never placed unchecked', async () => {
    const control = createMockControl(mock.urls);
    await control.fault('user', { mode: 'down' });
    try {
      const refused = await call('/sagas', {
        method: 'POST',
        headers: await asPartner('partner-acme'),
        body: order({ customerId: 'u-252' }),
      });
      expect(refused.status).toBe(503);
      expect(refused.json.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      await control.clearFaults('user');
    }
    // Monitored as the BFFs' upstreams are: the failed call is on the saga's /metrics.
    const metrics = await (await fetch(`${saga.url}/metrics`)).text();
    expect(metrics).toMatch(
      /upstream_request_duration_seconds_count\{[^}]*service="user",outcome="error"[^}]*\} [1-9]/,
    );
  });

  it('with the user service hanging a partner order is refused 503 at the default deadline, never held', async () => {
    const control = createMockControl(mock.urls);
    // Ten minutes: an answer at all proves the deadline, with no clock in the test.
    await control.fault('user', { mode: 'latency', latencyMs: 600_000 });
    try {
      const refused = await call('/sagas', {
        method: 'POST',
        headers: await asPartner('partner-acme'),
        body: order({ customerId: 'u-253' }),
      });
      expect(refused.status).toBe(503);
      expect(refused.json.error?.code).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      await control.clearFaults('user');
    }
  });
});

describe('the CLI', () => {
  const root = join(import.meta.dirname, '..', '..');
  // Asynchronous: the orchestrator runs in this process and must keep answering meanwhile.
  const cli = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        join(root, 'node_modules', '.bin', 'tsx'),
        ['packages/cli/src/main.ts', ...args],
        {
          cwd: root,
          env: { PATH: process.env['PATH'] ?? '', DATA_DIR: dataDir, SAGA_URL: saga.url, ...env },
        },
        (error, stdout, stderr) =>
          resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('token --role viewer signs in as a viewer: sagas list reads, sagas replay is refused 403 (exit 1)', async () => {
    const minted = await cli([
      'token',
      '--role',
      'viewer',
      '--subject',
      'night-viewer@example.com',
    ]);
    expect(minted.status, minted.stderr).toBe(0);
    const token = minted.stdout.trim();
    const who = await call('/session', {
      method: 'POST',
      headers: jsonHeaders(),
      body: JSON.stringify({ token }),
    });
    expect(who.json).toMatchObject({ subject: 'night-viewer@example.com', role: 'viewer' });
    const list = await cli(['sagas', 'list', '--state', 'any'], { OPERATOR_TOKEN: token });
    expect(list.status, list.stderr).toBe(0);
    const replay = await cli(['sagas', 'replay', 'sg-x', '--reason', 'try'], {
      OPERATOR_TOKEN: token,
    });
    // A service's refusal, not misuse: exit 1, its code and message, no usage text.
    expect(replay.status).toBe(1);
    expect(replay.stderr).toMatch(/^error: FORBIDDEN: .+\n$/);
    const anonymous = await cli(['sagas', 'list']);
    expect(anonymous.status).toBe(2);
    expect(anonymous.stderr).toContain('token --role operator');
  });
});

describe('production', () => {
  let jwks: Server;

  afterAll(async () => {
    await new Promise((resolve) => jwks?.close(resolve));
  });

  it('needs JWKS_URL, checks tokens against it, and marks the session cookie Secure', async () => {
    expect(() => loadSagaConfig({ NODE_ENV: 'production' })).toThrow(/JWKS_URL/);
    const idp = await loadOrCreateSigningKey(join(dataDir, 'keys', 'company-idp.json'));
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [idp.publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const { port } = jwks.address() as AddressInfo;
    const prod = await startSagaService(
      loadSagaConfig({
        NODE_ENV: 'production',
        SAGA_PORT: '0',
        STORE_MODE: 'memory',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'operator-prod-')),
        EDGE_PUBLIC_KEY_FILE: join(dataDir, 'keys', 'edge.json'),
        JWKS_URL: `http://127.0.0.1:${port}/jwks.json`,
        JWT_ISSUER: 'https://idp.example.com/',
        SAGA_WORKER: 'false',
        OPERATOR_PORT: '0',
        LOG_LEVEL: 'silent',
      }),
      log,
    );
    try {
      // Two listeners: the order API for BFFs, the page and operator API for people.
      expect(prod.operatorUrl).not.toBe(prod.url);
      expect((await fetch(`${prod.url}/remediation`)).status).toBe(404);
      expect((await fetch(`${prod.url}/sagas?status=any`)).status).toBe(405);
      const placeOnOperatorPort = await fetch(`${prod.operatorUrl}/sagas`, {
        method: 'POST',
        headers: jsonHeaders(),
        body: '{}',
      });
      expect(placeOnOperatorPort.status).toBe(405);
      const token = await mintDevToken(idp, {
        userId: 'alice@example.com',
        issuer: 'https://idp.example.com/',
        audience: 'edge-operator',
        roles: ['operator'],
      });
      const res = await fetch(`${prod.operatorUrl}/session`, {
        method: 'POST',
        headers: jsonHeaders(),
        body: JSON.stringify({ token }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie')).toContain('Secure');
      const dev = await creds.operatorToken('operator');
      const refused = await fetch(`${prod.operatorUrl}/sagas?status=any`, {
        headers: bearer(dev),
      });
      expect(refused.status).toBe(401);
      const page = await fetch(`${prod.operatorUrl}/remediation`);
      expect(await page.text()).not.toContain('token --role operator');
    } finally {
      await prod.close();
    }
  });
});
