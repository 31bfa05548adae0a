import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceClients, type ServiceClients } from '../src/service-clients';

describe('service clients over a real HTTP product service', () => {
  const asked: string[] = [];
  let searchDown = false;
  let server: Server;
  let clients: ServiceClients;
  beforeAll(async () => {
    // Splits the id list as the services do and returns every id it was asked for.
    server = createServer((req, res) => {
      const params = new URL(req.url ?? '/', 'http://x').searchParams;
      if (params.has('search')) {
        res.statusCode = searchDown ? 503 : 200;
        res.end(JSON.stringify({ items: [{ id: 'p-1', name: params.get('search') }] }));
        return;
      }
      const ids = params.get('ids') ?? '';
      asked.push(ids);
      const items = ids.split(',').map((id) => ({ id, name: id }));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ items }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    clients = createServiceClients({ urls: { order: url, product: url, user: url } });
  });
  afterAll(async () => {
    await clients?.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('an id holding the list separator is not found and never sent: one id cannot read many', async () => {
    const answers = await clients.products(['p-1', 'p-2,p-3,p-4'], { headers: {} });
    expect(answers[0]).toMatchObject({ id: 'p-1' });
    expect(answers[1]).toBeInstanceOf(Error);
    expect((answers[1] as Error).message).toMatch(/not found/);
    expect(asked).toEqual(['p-1']);

    const only = await clients.products(['p-5,p-6'], { headers: {} });
    expect(only[0]).toBeInstanceOf(Error);
    expect(asked).toEqual(['p-1']);
  });

  it('searches the service treats as one (case, surrounding spaces) share one stale entry', async () => {
    const first = await clients.searchProducts({ text: 'lamp', first: 100 }, { headers: {} });
    searchDown = true;
    try {
      const marks: unknown[] = [];
      const again = await clients.searchProducts(
        { text: '  LAMP ', first: 100 },
        { headers: {}, onStale: (mark) => marks.push(mark) },
      );
      expect(again).toEqual(first);
      expect(marks).toHaveLength(1);
    } finally {
      searchDown = false;
    }
  });
});
