/**
 * The operator CLI against an orchestrator split as compose and Kubernetes run it (OPERATOR_PORT):
 * pointed at the order port it says where the operator API is; on the operator port its list
 * shows each saga's step and last problem, and `replay --all` never advises running it
 * again for sagas it could not help.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLogger, Redis } from '@edge/common';
import { loadSagaConfig, type SagaService, sagaKeyHead, startSagaService } from '@edge/saga';
import { createSagaClient, type SagaClient } from '@edge/saga-client';
import type { ServicesMock } from '@edge/services-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultsEnv,
  injectFault,
  REDIS_URL,
  startMock,
  stockedItems,
  testCredentials,
  testPrefix,
  waitUntil,
} from './saga-harness';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

describe('the operator CLI and the saga ports', () => {
  let mock: ServicesMock;
  let service: SagaService;
  let operator: SagaClient;
  let credentials: ReturnType<typeof testCredentials>;
  const { prefix, cleanup } = testPrefix();

  /** `npm run -s cli -- <args>` as an operator runs it, against `sagaUrl`. */
  async function cli(sagaUrl: string, ...args: string[]) {
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '',
      SAGA_URL: sagaUrl,
      OPERATOR_TOKEN: await credentials.operatorToken('operator'),
    };
    return run(join(ROOT, 'node_modules', '.bin', 'tsx'), ['packages/cli/src/main.ts', ...args], {
      cwd: ROOT,
      env,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, out: stdout, err: stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        out: error.stdout,
        err: error.stderr,
      }),
    );
  }

  beforeAll(async () => {
    mock = await startMock();
    const env = defaultsEnv(mock, prefix, { OPERATOR_PORT: '0', LOG_LEVEL: 'silent' });
    credentials = testCredentials(env['DATA_DIR'] ?? '');
    service = await startSagaService(
      loadSagaConfig(env),
      createLogger({ service: 'saga', level: 'silent' }),
    );
    operator = createSagaClient({
      baseUrl: service.operatorUrl,
      headers: { authorization: `Bearer ${await credentials.operatorToken('operator')}` },
    });
  });

  afterAll(async () => {
    await operator?.close();
    await service?.close();
    await mock?.close();
    await cleanup();
  });

  it('operator commands sent to the order port name the operator port; a missing saga on the operator port stays NOT_FOUND', async () => {
    expect(service.operatorUrl).not.toBe(service.url);
    for (const args of [
      ['sagas', 'list', '--dlq'],
      ['sagas', 'replay', 'sg-none', '--reason', 'r'],
      ['sagas', 'replay', '--all', '--reason', 'r'],
      ['reconcile'],
    ]) {
      const res = await cli(service.url, ...args);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.err, args.join(' ')).toMatch(/^error: NOT_OPERATOR_API: /);
      expect(res.err, args.join(' ')).toContain('SAGA_URL=http://127.0.0.1:4021');
    }
    const missing = await cli(service.operatorUrl, 'sagas', 'replay', 'sg-none', '--reason', 'r');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: NOT_FOUND: /);
  });

  it('lists the step and last problem, and replay --all does not advise a loop for sagas it could not help', async () => {
    const items = await stockedItems(mock);
    // Every refund is refused outright: each saga dead-letters at once, and again after a replay.
    await injectFault(mock.urls.shipping, { route: 'POST /shipments', mode: 'error', status: 409 });
    await injectFault(mock.urls.payment, { route: 'POST /refunds', mode: 'error', status: 400 });
    const orders = createSagaClient({ baseUrl: service.url });
    const [held, refused] = await Promise.all(
      ['cli-held', 'cli-refused'].map(async (key, i) =>
        orders.placeOrder(
          { idempotencyKey: key, items: items(i + 40) },
          undefined,
          await credentials.asUser('u-8'),
        ),
      ),
    );
    await orders.close();
    await waitUntil(
      'both sagas in the DLQ',
      async () => ((await operator.list('dead_lettered')).length === 2 ? true : undefined),
      20_000,
    );

    const listed = await cli(service.operatorUrl, 'sagas', 'list', '--dlq');
    expect(listed.code, listed.err).toBe(0);
    const [header, ...rows] = listed.out.trim().split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+ORDERID\s+STEP\s+LASTPROBLEM\s+COMPENSATINGSINCE\s+/);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toMatch(/refund_payment\s+payment answered 400/);
    const badSort = await cli(service.operatorUrl, 'sagas', 'list', '--sort', 'loudest');
    expect(badSort.code).toBe(2);

    // A colleague's worker holds one of them: the replay skips it, and it stays dead-lettered.
    const redis = new Redis(REDIS_URL);
    await redis.set(`${sagaKeyHead(prefix)}lease:${held?.id}`, '1:colleague', 'PX', 60_000);
    await redis.quit();
    const replay = await cli(service.operatorUrl, 'sagas', 'replay', '--all', '--reason', 'retry');
    expect(replay.code, replay.err).toBe(0);
    expect(replay.out.trim().split('\n')).toEqual([refused?.id]);
    expect(replay.err).toContain(`not replayed: saga ${held?.id} is being driven by a worker`);
    expect(replay.err).toContain('running it again will not help');
    expect(replay.err).not.toContain('run it again\n');
  });
});
