import {
  createLogger,
  createMetrics,
  type Logger,
  type Registry,
  type RunningServer,
  startHttpServer,
} from '@edge/common';
import { CallCounter } from './call-counter.js';
import { Catalog } from './catalog.js';
import { createControlRoutes } from './control-api.js';
import { FaultRegistry } from './faults.js';
import { InFlightKeys } from './in-flight-keys.js';
import { instrumentRoute, isControlRoute, routeKey } from './instrument-route.js';
import type { MockService } from './mock-service.js';
import { NO_PRODUCT_EVENTS, type ProductEventSink } from './product-event-publisher.js';
import { DEFAULT_SEED } from './seed.js';
import { createInventoryService } from './services/inventory.js';
import { createNotificationService } from './services/notification.js';
import { createOrderService } from './services/order.js';
import { createPaymentService } from './services/payment.js';
import { createProductService } from './services/product.js';
import { createShippingService } from './services/shipping.js';
import { createUserService } from './services/user.js';
import { MOCK_SERVICE_NAMES, type MockServiceName } from './types.js';

/** Default bind address: loopback, since the mock has no authentication at all. */
export const DEFAULT_HOST = '127.0.0.1';

export interface ServicesMockOptions {
  /** Port per service; a service not listed gets a free port (0), which is what tests want. */
  ports?: Partial<Record<MockServiceName, number>>;
  /** Bind address; default DEFAULT_HOST. */
  host?: string;
  /** Logger to use; default a new `services-mock` logger at `logLevel`. */
  logger?: Logger;
  /** Level of the default logger; default `info`. */
  logLevel?: string;
  /** Seed of the generated world; default DEFAULT_SEED (42). */
  seed?: number;
  /** Millisecond clock for fault expiry (`durationMs`); default Date.now. */
  clock?: () => number;
  /** Where product changes are appended (`createRedisProductEvents`); default none. */
  productEvents?: ProductEventSink;
  /**
   * Extra series on the product port's `/metrics` (e.g. the projection lag monitor's gauge):
   * called once with that port's registry.
   */
  registerProductMetrics?: (registry: Registry) => void;
}

export interface ServicesMock {
  ports: Readonly<Record<MockServiceName, number>>;
  /** Base URL per service, e.g. `http://127.0.0.1:4010`. */
  urls: Readonly<Record<MockServiceName, string>>;
  /** What `POST /__reset` does on any port, for in-process callers. */
  reset(): void;
  close(): Promise<void>;
}

/** Start all seven mocks in this process, each on its own port with its own control API. */
export async function startServicesMock(options: ServicesMockOptions = {}): Promise<ServicesMock> {
  const host = options.host ?? DEFAULT_HOST;
  const logger =
    options.logger ?? createLogger({ service: 'services-mock', level: options.logLevel ?? 'info' });
  const clock = options.clock ?? Date.now;
  const catalog = new Catalog(
    options.seed ?? DEFAULT_SEED,
    options.productEvents ?? NO_PRODUCT_EVENTS,
  );
  const services: MockService[] = [
    createOrderService(catalog),
    createProductService(catalog),
    createUserService(catalog),
    createInventoryService(catalog),
    createPaymentService(),
    createShippingService(),
    createNotificationService(),
  ];
  const ports = services.map((service) => ({
    service,
    counter: new CallCounter(),
    faults: new FaultRegistry(clock),
    inFlight: new InFlightKeys(),
  }));

  // One reset for the whole process: stock, orders and payments span ports, so resetting
  // one port alone would leave a world no seed ever produced.
  const resetAll = () => {
    catalog.reset();
    for (const { service, counter, faults, inFlight } of ports) {
      service.reset();
      counter.reset();
      faults.clear();
      inFlight.reset();
    }
  };

  const running = new Map<MockServiceName, RunningServer>();
  try {
    for (const { service, counter, faults, inFlight } of ports) {
      const served = service.routes.filter((r) => !isControlRoute(r));
      const control = service.routes.filter(isControlRoute);
      const routes = [
        ...createControlRoutes({
          counter,
          faults,
          inFlight,
          routeKeys: served.map(routeKey),
          resetAll,
        }),
        ...control,
        ...served.map((route) => instrumentRoute(route, { counter, faults, inFlight })),
      ];
      const metrics = createMetrics('services-mock');
      metrics.registry.setDefaultLabels({ service: 'services-mock', mock: service.name });
      if (service.name === 'product') options.registerProductMetrics?.(metrics.registry);
      const server = await startHttpServer({
        service: 'services-mock',
        logger: logger.child({ mock: service.name }),
        metrics,
        routes,
        port: options.ports?.[service.name] ?? 0,
        host,
      });
      running.set(service.name, server);
    }
  } catch (error) {
    await Promise.all([...running.values()].map((s) => s.close()));
    throw error;
  }

  const pick = <T>(f: (server: RunningServer) => T): Record<MockServiceName, T> => {
    const out: Partial<Record<MockServiceName, T>> = {};
    for (const name of MOCK_SERVICE_NAMES) {
      const server = running.get(name);
      if (!server) throw new Error(`services-mock: ${name} did not start`);
      out[name] = f(server);
    }
    return out as Record<MockServiceName, T>;
  };

  return {
    ports: Object.freeze(pick((s) => s.port)),
    urls: Object.freeze(pick((s) => s.url)),
    reset: resetAll,
    close: async () => {
      await Promise.all([...running.values()].map((s) => s.close()));
    },
  };
}
