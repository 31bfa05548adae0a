import { INTERNAL_TOKEN_HEADER, type Logger } from '@edge/common';
// The CommonJS entry, as validate.ts imports it: graphql-js refuses a schema built by another
// copy of itself (vitest would pick index.mjs).
import { buildSchema, type GraphQLSchema } from 'graphql/index.js';
import { request } from 'undici';
import type { InternalSigner } from './internal-signer.js';
import type { SchemaComposer } from './schema-composition.js';
import type { SurfaceDef } from './surfaces.js';

export interface SurfaceSchema {
  /** The client-facing (API) schema composed from the surface's BFF; replaced on change. */
  current(): GraphQLSchema;
  /** Bumped on every schema change; caches keyed by it never serve a stale verdict. */
  generation(): number;
  stop(): Promise<void>;
}

/** What a federation subgraph answers with its SDL (the query @apollo/gateway sends). */
const SERVICE_DEFINITION_QUERY = 'query __ApolloGetServiceDefinition__ { _service { sdl } }';
const SDL_FETCH_TIMEOUT_MS = 10_000;
/** Far above any real schema (ours are 2-4 KB); a BFF answering more is refused, not buffered. */
export const SDL_MAX_BYTES = 4 * 1024 * 1024;

async function readCapped(body: AsyncIterable<Buffer>, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > SDL_MAX_BYTES) throw new Error(`${what} answered more than ${SDL_MAX_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function fetchSubgraphSdl(surface: SurfaceDef, sign: InternalSigner): Promise<string> {
  // The `internal` identity also tells the BFF this is a poll, which it logs at debug.
  const token = await sign({ surface: 'internal', service: 'gateway' }, surface.bff);
  const answer = await request(surface.upstream, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token },
    body: JSON.stringify({ query: SERVICE_DEFINITION_QUERY }),
    headersTimeout: SDL_FETCH_TIMEOUT_MS,
    bodyTimeout: SDL_FETCH_TIMEOUT_MS,
  });
  const body = parseJson(await readCapped(answer.body, surface.bff)) as
    | { data?: { _service?: { sdl?: unknown } } }
    | undefined;
  const sdl = body?.data?._service?.sdl;
  if (answer.statusCode !== 200 || typeof sdl !== 'string') {
    throw new Error(`${surface.bff} answered ${answer.statusCode} without a subgraph SDL`);
  }
  return sdl;
}

/**
 * A surface's schema: its BFF's subgraph SDL composed by @apollo/gateway (in a child process, see
 * schema-composition.ts) and polled, so a BFF can ship a schema change without the edge
 * restarting. The edge uses the schema to validate operations; requests themselves are forwarded
 * (see forward.ts). A poll that fails keeps the schema it has; an SDL that does not compose is
 * reported once and kept out until the BFF answers another.
 */
export async function loadSurfaceSchema(
  surface: SurfaceDef,
  sign: InternalSigner,
  log: Logger,
  pollIntervalInMs: number,
  composer: SchemaComposer,
): Promise<SurfaceSchema> {
  const build = async (sdl: string) =>
    buildSchema(
      await composer.compose({ surface: surface.name, url: String(surface.upstream), sdl }),
    );
  let lastSdl = await fetchSubgraphSdl(surface, sign);
  let schema = await build(lastSdl);
  let generation = 1;
  let pollFailing = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const update = async (sdl: string) => {
    lastSdl = sdl;
    try {
      schema = await build(sdl);
      generation++;
      log.info({ surface: surface.name, generation }, 'schema updated');
    } catch (err) {
      log.error(
        { surface: surface.name, err: (err as Error).message },
        'schema update not applied: the new BFF schema does not compose; the edge keeps the previous one',
      );
    }
  };
  const poll = async () => {
    try {
      const sdl = await fetchSubgraphSdl(surface, sign);
      if (pollFailing) log.info({ surface: surface.name }, 'schema poll answered again');
      pollFailing = false;
      if (sdl !== lastSdl) await update(sdl);
    } catch (err) {
      if (!pollFailing) {
        log.warn(
          { surface: surface.name, err: (err as Error).message },
          'schema poll failing; the edge keeps the schema it has',
        );
      }
      pollFailing = true;
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void poll().finally(schedule), pollIntervalInMs);
    timer.unref();
  };
  schedule();

  return {
    current: () => schema,
    generation: () => generation,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
