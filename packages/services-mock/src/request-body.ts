import type { IncomingMessage } from 'node:http';
import { readJson } from '@edge/common';

const bodies = new WeakMap<IncomingMessage, Promise<Record<string, unknown>>>();

/**
 * The request's JSON body, read once: the instrumenting wrapper needs its idempotency key
 * before the route reads it, and a stream can only be read once.
 */
export function bufferedJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let body = bodies.get(req);
  if (!body) {
    body = readJson(req);
    bodies.set(req, body);
  }
  return body;
}
