import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitUntil } from '@edge/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from './harness';

// Every process exports its spans over OTLP/HTTP (JSON) to a receiver run by this test, exactly
// as it would to a collector: nothing in the processes knows it is being tested.

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; boolValue?: boolean; intValue?: string | number };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}
interface CollectedSpan extends OtlpSpan {
  service: string;
  attrs: Record<string, string | boolean | number | undefined>;
}

const SERVER = 2;
const CLIENT = 3;

function attributeMap(list: OtlpAttribute[] = []) {
  return Object.fromEntries(
    list.map((a) => [
      a.key,
      a.value.stringValue ??
        a.value.boolValue ??
        (a.value.intValue === undefined ? undefined : Number(a.value.intValue)),
    ]),
  );
}

/** A minimal OTLP/HTTP JSON trace receiver: what a collector's `otlp` receiver accepts. */
async function startReceiver(): Promise<{ url: string; spans: CollectedSpan[]; server: Server }> {
  const spans: CollectedSpan[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
        for (const rs of body.resourceSpans ?? []) {
          const service = String(attributeMap(rs.resource?.attributes)['service.name']);
          for (const ss of rs.scopeSpans ?? []) {
            for (const span of ss.spans ?? []) {
              spans.push({ ...span, service, attrs: attributeMap(span.attributes) });
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

describe('tracing across processes', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let stack: TestStack;

  beforeAll(async () => {
    receiver = await startReceiver();
    stack = await startTestStack({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        // Its own sagas: another stack's worker on the same Redis must not run (and trace) them.
        SAGA_KEY_PREFIX: `e2e-trace:${randomUUID()}:`,
      },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it('one trace covers a web query: gateway, bff-web and each upstream call, parent to child', async () => {
    const traceId = randomBytes(16).toString('hex');
    const clientSpanId = randomBytes(8).toString('hex');
    const token = await stack.token('web', 'u-1');
    const answer = await stack.gql(
      '/web/graphql',
      '{ me { id name orders(first: 2) { edges { node { id items { quantity product { name } } } } } } }',
      { token, headers: { traceparent: `00-${traceId}-${clientSpanId}-01` } },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();

    const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    const spans = await waitUntil('gateway, bff-web and upstream spans', () => {
      const all = inTrace();
      const services = new Set(all.map((s) => s.service));
      const upstream = all.filter((s) => s.kind === CLIENT && s.service === 'bff-web');
      return services.has('gateway') && services.has('bff-web') && upstream.length >= 2
        ? all
        : undefined;
    });
    const edge = spans.find((s) => s.service === 'gateway' && s.kind === SERVER);
    const bff = spans.find((s) => s.service === 'bff-web' && s.kind === SERVER);
    expect(edge?.parentSpanId).toBe(clientSpanId);
    expect(edge?.attrs['http.response.status_code']).toBe(200);
    expect(bff?.parentSpanId).toBe(edge?.spanId);
    const upstream = spans.filter((s) => s.service === 'bff-web' && s.kind === CLIENT);
    // Products may come from the catalogue read model instead of the product service.
    expect(upstream.map((s) => s.attrs['upstream.service'])).toEqual(
      expect.arrayContaining(['user', 'order']),
    );
    for (const span of upstream) {
      expect(span.parentSpanId).toBe(bff?.spanId);
      expect(span.attrs['upstream.breaker.state']).toBe('closed');
      expect(span.attrs['upstream.cache_hit']).toBe(false);
    }
  });

  it('each saga step is a span in the trace of the placeOrder request', async () => {
    const traceId = randomBytes(16).toString('hex');
    const token = await stack.token('web', 'u-2');
    const answer = await stack.gql(
      '/web/graphql',
      'mutation P($input: PlaceOrderInput!) { placeOrder(input: $input) { id status } }',
      { token, headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } },
      { input: { idempotencyKey: randomUUID(), items: [{ productId: 'p-1', quantity: 1 }] } },
    );
    expect(answer.body.data.placeOrder.status).toBe('COMPLETED');
    // Spans arrive in export batches per process, so the request's own span may land after its
    // steps: wait for both.
    const { steps, created } = await waitUntil('the POST /sagas span and five step spans', () => {
      const found = receiver.spans.filter(
        (s) => s.traceId === traceId && s.service === 'saga' && s.attrs['saga.phase'] === 'forward',
      );
      const request = receiver.spans.find(
        (s) =>
          s.traceId === traceId &&
          s.service === 'saga' &&
          s.kind === SERVER &&
          s.name === 'POST /sagas',
      );
      return found.length >= 5 && request ? { steps: found, created: request } : undefined;
    });
    expect(created).toBeDefined();
    expect(steps.map((s) => s.attrs['saga.step'])).toEqual(
      expect.arrayContaining([
        'create_order',
        'reserve_inventory',
        'charge_payment',
        'create_shipment',
        'confirm_order',
      ]),
    );
    for (const step of steps) {
      expect(step.parentSpanId).toBe(created.spanId);
      expect(step.attrs['saga.outcome']).toBe('ok');
      expect(step.attrs['saga.id']).toBe(answer.body.data.placeOrder.id);
    }
  });
});
