import type { ServerResponse } from 'node:http';
import { AppError, ErrorCode, type Route, sendJson, z } from '@edge/common';
import type { CallCounter } from './call-counter.js';
import type { FaultRegistry } from './faults.js';
import type { InFlightKeys } from './in-flight-keys.js';
import { FAULT_MODES } from './types.js';
import { readBody } from './validation.js';

export interface ControlApiOptions {
  counter: CallCounter;
  faults: FaultRegistry;
  inFlight: InFlightKeys;
  /** Route keys of this port's service routes; a fault naming another route is refused. */
  routeKeys: readonly string[];
  /** Back to the seed: every port's faults and counters, and all mutable state. */
  resetAll: () => void;
}

/** Strict, so a misspelt field (`count` for `calls`) fails loudly instead of faulting forever. */
const faultBody = z.strictObject({
  route: z.string().min(1).optional(),
  mode: z.enum(FAULT_MODES),
  latencyMs: z.int().min(0).max(600_000).optional(),
  status: z.int().min(400).max(599).optional(),
  retryAfterS: z.int().min(0).max(86_400).optional(),
  ratePerSec: z.int().min(1).max(1_000_000).optional(),
  calls: z.int().min(1).optional(),
  durationMs: z.int().min(1).optional(),
});

function noContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

/** The test-and-demo API every port serves; none of it is counted or faulted. */
export function createControlRoutes(options: ControlApiOptions): Route[] {
  const { counter, faults, inFlight, routeKeys, resetAll } = options;
  return [
    {
      method: 'GET',
      path: '/__calls',
      handler: (ctx) => sendJson(ctx.res, 200, counter.snapshot()),
    },
    {
      method: 'POST',
      path: '/__calls/reset',
      handler: (ctx) => {
        counter.reset();
        inFlight.reset();
        noContent(ctx.res);
      },
    },
    {
      method: 'GET',
      path: '/__concurrency',
      handler: (ctx) => sendJson(ctx.res, 200, counter.concurrency()),
    },
    {
      method: 'GET',
      path: '/__inflight',
      handler: (ctx) => sendJson(ctx.res, 200, inFlight.snapshot()),
    },
    {
      method: 'POST',
      path: '/__faults',
      handler: async (ctx) => {
        const { body } = await readBody(ctx, faultBody);
        if (body.route !== undefined && !routeKeys.includes(body.route)) {
          throw new AppError(ErrorCode.BAD_REQUEST, `Unknown route "${body.route}"`, {
            details: { routes: routeKeys },
          });
        }
        const id = faults.add(body);
        ctx.log.info({ faultId: id, fault: body }, 'fault added');
        sendJson(ctx.res, 201, { id });
      },
    },
    {
      method: 'DELETE',
      path: '/__faults',
      handler: (ctx) => {
        faults.clear();
        noContent(ctx.res);
      },
    },
    {
      method: 'POST',
      path: '/__reset',
      handler: (ctx) => {
        resetAll();
        ctx.log.info('reset to seed');
        noContent(ctx.res);
      },
    },
  ];
}
