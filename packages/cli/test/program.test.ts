import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/program';

/** Collects what the CLI writes to one stream. */
class Sink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'cli-program-'));
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(argv: string[], env: Record<string, string> = {}) {
  const stdout = new Sink();
  const stderr = new Sink();
  const code = await runCli(argv, {
    stdout,
    stderr,
    env: { STORE_MODE: 'memory', DATA_DIR: dataDir, OPERATOR_TOKEN: 'op-token', ...env },
  });
  return { code, out: stdout.text, err: stderr.text };
}

/** A stand-in orchestrator on port 0: records each request and answers with `answer`. */
async function fakeSaga(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const urls: string[] = [];
  const server = createServer((req, res) => {
    urls.push(req.url ?? '');
    req.resume().on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    urls,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

describe('strict arguments', () => {
  it('sagas list with a positional status exits 2 naming --state, and calls nobody', async () => {
    await using saga = await fakeSaga((_req, res) => json(res, 200, { items: [] }));
    const res = await cli(['sagas', 'list', 'compensating'], { SAGA_URL: saga.url });
    expect(res).toMatchObject({ code: 2, out: '' });
    expect(res.err).toContain('unexpected argument compensating');
    expect(res.err).toContain('sagas list --state compensating');
    expect(saga.urls).toEqual([]);
  });

  it('keys create with an expiry in the past exits 2 and creates no key', async () => {
    const res = await cli([
      'keys',
      'create',
      '--partner',
      'p-1',
      '--expires-at',
      '2020-01-01T00:00:00Z',
    ]);
    expect(res).toMatchObject({ code: 2, out: '' });
    expect(res.err).toContain('--expires-at must be in the future');
    expect((await cli(['keys', 'list', '--json'])).out).not.toContain('p-1');
  });

  it('sagas list --json --state compensating asks the orchestrator for that status', async () => {
    const row = { id: 'sg-1', status: 'compensating', orderId: 'o-1', history: [] };
    await using saga = await fakeSaga((_req, res) => json(res, 200, { items: [row] }));
    const res = await cli(['sagas', 'list', '--json', '--state', 'compensating'], {
      SAGA_URL: saga.url,
    });
    expect(res.code, res.err).toBe(0);
    expect(saga.urls).toEqual(['/sagas?status=compensating&limit=100']);
    expect(JSON.parse(res.out)).toMatchObject({ id: 'sg-1', status: 'compensating', steps: 0 });
  });

  it.each(
    [
      ['sagas', 'list', '--reason', 'x'],
      ['sagas', 'list', '--dlq', '--state', 'any'],
      ['sagas', 'replay', 'sg-1', '--all', '--reason', 'x'],
      ['sagas', 'replay', '--all', '--reason', 'x', '--edit', 'refund_payment', '--set', 'a=1'],
      ['sagas', 'resolve', 'sg-1', 'sg-2', '--reason', 'x', '--reference', 'r'],
      ['keys', 'list', 'extra'],
      ['keys', 'revoke', 'k-1', 'k-2'],
      ['keys', 'create', '--partner', 'p', '--bogus'],
      ['keys', 'rotate', 'k-1', '--grace-s'],
      ['documents', 'list', 'extra'],
      ['documents', 'retire', '--client', 'web', '--version', '1', 'extra'],
      ['events', 'dead-letters', 'fraud', 'extra'],
      ['usage', 'prune', '--before', '2024-01-01', '--partner', 'p'],
      ['usage', '--partner', 'p', '--from', '2024-01-01', '--to', '2024-01-02', '--out', 'f'],
      ['reconcile', '--reason', 'x'],
      ['reconcile', 'extra'],
      ['token', '--surface', 'web', '--user', 'u', '--subject', 's'],
      ['schema', 'check', '--bogus'],
    ].map((argv) => [argv.join(' '), argv]),
  )('edge %s is misuse: exit 2, nothing done, no stdout', async (_name, argv) => {
    // Nothing listens at SAGA_URL or CONSUMERS_URL: a call would fail with exit 1, not 2.
    const res = await cli(argv, {
      SAGA_URL: 'http://127.0.0.1:9',
      CONSUMERS_URL: 'http://127.0.0.1:9',
    });
    expect(res.code, res.err).toBe(2);
    expect(res.out).toBe('');
    expect(res.err).toMatch(/^error: .+\nusage: edge /);
    // Refused before a store was chosen: nothing was read or written.
    expect(res.err).not.toContain('stored in');
  });
});

describe('service refusals', () => {
  it.each([
    [403, 'FORBIDDEN', 'the viewer role cannot replay'],
    [409, 'CONFLICT', 'saga sg-1 is not dead-lettered'],
  ])(
    'a %i %s refusal of a replay exits 1 with its code and message, without the usage',
    async (status, code, message) => {
      await using saga = await fakeSaga((_req, res) =>
        json(res, status, { error: { code, message } }),
      );
      const res = await cli(['sagas', 'replay', 'sg-1', '--reason', 'provider back'], {
        SAGA_URL: saga.url,
      });
      expect(res).toEqual({ code: 1, out: '', err: `error: ${code}: ${message}\n` });
    },
  );
});

describe('stores chosen by the environment', () => {
  it('keys create names the store on stderr and prints only the key on stdout', async () => {
    const res = await cli(['keys', 'create', '--partner', 'acme']);
    expect(res.code, res.err).toBe(0);
    expect(res.out).toMatch(/^edgepk_\S+\n$/);
    expect(res.err).toBe(
      `partner keys: stored in ${join(dataDir, 'partner-keys.json')} (STORE_MODE=memory)\n`,
    );
  });

  it('auto mode without a Redis says which Redis did not answer', async () => {
    // Port 1: nothing listens there, the probe is refused at once.
    const res = await cli(['keys', 'list'], {
      STORE_MODE: 'auto',
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(res.code, res.err).toBe(0);
    expect(res.err).toContain(
      `partner keys: stored in ${join(dataDir, 'partner-keys.json')} (STORE_MODE=auto, no Redis at redis://127.0.0.1:1 answered)`,
    );
  });

  it('documents and usage name their store too', async () => {
    const documents = await cli(['documents', 'list']);
    expect(documents.code, documents.err).toBe(0);
    expect(documents.err).toContain(`client contracts: stored in ${join(dataDir, 'contracts')}`);
    const usage = await cli(['usage', 'prune', '--before', '2024-01-01']);
    expect(usage.code, usage.err).toBe(0);
    expect(usage.err).toContain(`partner usage: stored in ${join(dataDir, 'contracts')}`);
  });
});
