import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@shareable"])';

/** A recursive schema, so depth and fragment limits can be probed. */
export const FAKE_SDL = `${FEDERATION_LINK}
type Query {
  me: User
  user(id: ID!): User
  orders(first: Int = 10): [Order!]!
}
type User {
  id: ID!
  name: String!
  nickname: String @deprecated(reason: "Use name.")
  friends(first: Int): [User!]!
  orders(first: Int): [Order!]!
}
type Order {
  id: ID!
  status: String!
  owner: User!
}`;

export interface FakeBff {
  url: string;
  /** Operations forwarded to the BFF (schema polling excluded), by path. */
  calls(): Record<string, number>;
  resetCalls(): void;
  /** Hold every operation's answer until the returned function is called. */
  hold(): () => void;
  /** `_service` queries answered (the gateway's schema polls). */
  schemaPolls(): number;
  /** The SDL `_service` answers from now on; undefined: it answers 503 (a BFF restarting). */
  setSdl(sdl: string | undefined): void;
  close(): Promise<void>;
}

/**
 * Stands in for a BFF in the gateway's own tests: answers the federation `_service` query with
 * FAKE_SDL on every surface path and any other operation with a small fixed answer, counting
 * what reached it. An operation whose variables carry `"invalid": true` gets what a BFF answers
 * for bad variables: 400 BAD_USER_INPUT, no data. The real BFFs are exercised by the end-to-end tests under test/.
 */
function badVariables(text: string): boolean {
  try {
    const request = JSON.parse(text) as { variables?: { invalid?: unknown } };
    return request.variables?.invalid === true;
  } catch {
    return false;
  }
}

export async function startFakeBff(): Promise<FakeBff> {
  let calls: Record<string, number> = {};
  let sdl: string | undefined = FAKE_SDL;
  let schemaPolls = 0;
  let held: Promise<void> = Promise.resolve();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.includes('_service')) {
        const path = req.url ?? '/';
        calls[path] = (calls[path] ?? 0) + 1;
        await held;
      }
      let body: string;
      let status = 200;
      if (text.includes('_service')) {
        schemaPolls++;
        body = JSON.stringify(sdl === undefined ? { errors: [] } : { data: { _service: { sdl } } });
        if (sdl === undefined) status = 503;
      } else {
        if (badVariables(text)) {
          body = JSON.stringify({
            errors: [
              {
                message: 'Variable "$invalid" is not defined',
                extensions: { code: 'BAD_USER_INPUT' },
              },
            ],
          });
          status = 400;
        } else {
          body = JSON.stringify({ data: { me: { id: 'u-1', name: 'Ada' } } });
        }
      }
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => ({ ...calls }),
    resetCalls: () => {
      calls = {};
    },
    hold: () => {
      let release = () => {};
      held = new Promise((resolve) => {
        release = resolve;
      });
      return () => {
        held = Promise.resolve();
        release();
      };
    },
    schemaPolls: () => schemaPolls,
    setSdl: (next) => {
      sdl = next;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
