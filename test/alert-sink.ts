import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A webhook receiver: every alert POSTed to `url`, in arrival order. */
export interface AlertSink {
  url: string;
  received: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startAlertSink(): Promise<AlertSink> {
  const received: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
