import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AppError, ErrorCode } from '@edge/common';
import type { CompositionCache } from './composition-cache.js';

export interface ComposeRequest {
  surface: string;
  url: string;
  /** The BFF's subgraph SDL, as its `_service { sdl }` answers it. */
  sdl: string;
}

export type ComposeResult =
  | { surface: string; ok: true; apiSdl: string }
  | { surface: string; ok: false; error: string };

export interface SchemaComposer {
  /** The surface's client-facing schema as SDL; rejects with the composition's errors. */
  compose(request: ComposeRequest): Promise<string>;
  stop(): void;
}

/** A composition that takes longer is abandoned (the child killed) and counts as failed. */
export const COMPOSE_TIMEOUT_MS = 60_000;

/** The end of a failed composer's stderr kept for the error. */
const STDERR_KEPT = 2048;

interface Waiting {
  request: ComposeRequest;
  resolve(apiSdl: string): void;
  reject(err: Error): void;
}

// The composer runs as its own twin: schema-composer.ts from source, schema-composer.js compiled.
const COMPOSER = fileURLToPath(
  new URL(`./schema-composer${extensionOf(import.meta.url)}`, import.meta.url),
);

function extensionOf(url: string): string {
  return url.endsWith('.ts') ? '.ts' : '.js';
}

/** From source the child needs the TypeScript loader the parent may have got another way. */
function composerExecArgv(): string[] {
  const argv = process.execArgv;
  if (!COMPOSER.endsWith('.ts') || argv.some((arg) => arg.includes('tsx'))) return argv;
  return [...argv, '--import', 'tsx'];
}

const failed = (message: string) =>
  new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, `schema composition failed: ${message}`);

/**
 * Composes surface schemas with @apollo/gateway in a short-lived child process. @apollo/gateway
 * (query planner, OpenTelemetry, its fetchers) costs a process about 45 MB of RSS and 20 MB of
 * heap that the edge never needs between compositions, and a worker thread's memory is not given
 * back when it ends: a process that exits is. Requests made while a child runs wait for the
 * next one, which takes them all; one child at a time. With a cache, an input composed before
 * (by any gateway on the machine) needs no child.
 */
export function createSchemaComposer(
  options: { cache?: CompositionCache; timeoutMs?: number } = {},
): SchemaComposer {
  const { cache, timeoutMs = COMPOSE_TIMEOUT_MS } = options;
  let queue: Waiting[] = [];
  let running: ChildProcess | undefined;
  let stopped = false;

  // The child answers one result per request, in the batch's order.
  const settle = (batch: Waiting[], results: ComposeResult[] | undefined, error: string) => {
    batch.forEach((waiting, i) => {
      const result = results?.[i];
      if (result?.ok) waiting.resolve(result.apiSdl);
      else waiting.reject(failed(result ? result.error : error));
    });
  };

  const runNext = () => {
    if (running || stopped || queue.length === 0) return;
    const batch = queue;
    queue = [];
    const child = fork(COMPOSER, [], {
      execArgv: composerExecArgv(),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    running = child;
    let results: ComposeResult[] | undefined;
    let stderr = '';
    let finished = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const finish = (ended: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      running = undefined;
      settle(batch, results, stderr ? `${ended}: ${stderr.trim()}` : ended);
      runNext();
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-STDERR_KEPT);
    });
    child.once('message', (message) => {
      results = message as ComposeResult[];
    });
    // A child that could not be started emits no exit.
    child.once('error', (err) => {
      if (child.pid === undefined) finish(`composer not started: ${err.message}`);
      else child.kill('SIGKILL');
    });
    child.once('exit', (code, signal) => {
      finish(signal ? `composer ended by ${signal}` : `composer exited ${code}`);
    });
    child.send(batch.map((w) => w.request));
  };

  const composeInChild = (request: ComposeRequest) =>
    new Promise<string>((resolve, reject) => {
      if (stopped) return reject(failed('gateway stopping'));
      queue.push({ request, resolve, reject });
      setImmediate(runNext);
    });

  return {
    compose: async (request) => {
      const cached = await cache?.get(request);
      if (cached !== undefined) return cached;
      const apiSdl = await composeInChild(request);
      await cache?.put(request, apiSdl);
      return apiSdl;
    },
    stop: () => {
      stopped = true;
      running?.kill('SIGKILL');
      settle(queue, undefined, 'gateway stopping');
      queue = [];
    },
  };
}
