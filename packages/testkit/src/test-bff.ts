import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BffConfig,
  type BffSchema,
  loadBffConfig,
  type RunningBff,
  startBff,
} from '@edge/bff-runtime';
import {
  type Identity,
  INTERNAL_TOKEN_HEADER,
  loadOrCreateSigningKey,
  type SigningKey,
  SURFACES,
  type Surface,
  signInternalToken,
} from '@edge/common';
import {
  type Concurrency,
  createMockControl,
  type FaultSpec,
  type ServicesMock,
  startServicesMock,
} from '@edge/services-mock';

export type MockedService = 'order' | 'product' | 'user';

export interface GraphQLAnswer {
  status: number;
  /** Parsed GraphQL response; tests read arbitrary shapes from it. */
  body: {
    data?: Record<string, unknown> | null;
    errors?: {
      message: string;
      path?: (string | number)[];
      extensions?: Record<string, unknown>;
    }[];
    extensions?: Record<string, unknown>;
  };
  bytes: number;
}

export interface TestBff {
  bff: RunningBff;
  mock: ServicesMock;
  config: BffConfig;
  /** POST a query to `path` as `identity`, with an edge-signed token as the gateway would. */
  gql(
    path: string,
    query: string,
    identity: Identity,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLAnswer>;
  /** The edge-signed identity header value for `identity`, for callers sending their own requests. */
  sign(identity: Identity): Promise<string>;
  /** The edge's signing key this BFF trusts, for tests that sign tokens of their own making. */
  signingKey(): Promise<SigningKey>;
  calls(service: MockedService): Promise<Record<string, number>>;
  resetCalls(service: MockedService): Promise<void>;
  /** Calls in flight at the mock now and at most at once since the last `resetCalls`. */
  concurrency(service: MockedService): Promise<Concurrency>;
  fault(service: MockedService, fault: FaultSpec): Promise<void>;
  clearFaults(service: MockedService): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface TestBffOptions {
  name: string;
  schemas: (config: BffConfig) => BffSchema[];
  /** Extra environment for the BFF's config, e.g. short breaker timings. */
  env?: Record<string, string>;
}

/**
 * A BFF in this process, in front of an in-process services-mock on free ports, with its own
 * edge key: the real HTTP path minus the gateway. Use with `await using`.
 */
export async function startTestBff(options: TestBffOptions): Promise<TestBff> {
  const surface = surfaceOf(options.name);
  const dir = mkdtempSync(join(tmpdir(), 'bff-test-'));
  const keyFile = join(dir, 'edge.json');
  const key = await loadOrCreateSigningKey(keyFile);
  const mock = await startServicesMock({ logLevel: 'silent' });
  const config = loadBffConfig(0, {
    PORT: '0',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    EDGE_PUBLIC_KEY_FILE: keyFile,
    ORDER_SERVICE_URL: mock.urls.order,
    PRODUCT_SERVICE_URL: mock.urls.product,
    USER_SERVICE_URL: mock.urls.user,
    // No projection runs in process: products come from the mock, as these tests count.
    STORE_MODE: 'memory',
    ...options.env,
  });
  const bff = await startBff({
    name: options.name,
    surface,
    config,
    schemas: options.schemas(config),
  });
  const mockControl = createMockControl(mock.urls);
  const close = async () => {
    await bff.close();
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    bff,
    mock,
    config,
    gql: async (path, query, identity, variables) => {
      const res = await fetch(`${bff.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [INTERNAL_TOKEN_HEADER]: await signInternalToken(identity, key, surface),
        },
        body: JSON.stringify({ query, variables }),
      });
      const text = await res.text();
      return { status: res.status, body: JSON.parse(text), bytes: Buffer.byteLength(text) };
    },
    sign: (identity) => signInternalToken(identity, key, surface),
    signingKey: async () => key,
    calls: mockControl.calls,
    resetCalls: mockControl.resetCalls,
    concurrency: mockControl.concurrency,
    fault: mockControl.fault,
    clearFaults: mockControl.clearFaults,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The surface a BFF named `bff-<surface>[-...]` serves; its tokens are signed for that audience. */
function surfaceOf(name: string): Surface {
  const surface = SURFACES.find((s) => name === `bff-${s}` || name.startsWith(`bff-${s}-`));
  if (!surface)
    throw new Error(`a test BFF is named bff-web, bff-mobile or bff-partner, not ${name}`);
  return surface;
}

/** One root field of an answer's data, typed by the test that knows its shape. */
export function fieldOf<T>(answer: GraphQLAnswer, field: string): T {
  const data = answer.body.data;
  if (!data || !(field in data)) {
    throw new Error(`answer has no data.${field}: ${JSON.stringify(answer.body)}`);
  }
  return data[field] as T;
}
