import type { Concurrency } from './call-counter.js';
import type { FaultSpec, Ledger, MockServiceName } from './types.js';

/** The control API of every mock port, as tests and benchmarks drive it (docs/services-mock.md). */
export interface MockControl {
  /** Calls per route since the last reset, e.g. `{ "GET /products": 1 }`. */
  calls(service: MockServiceName): Promise<Record<string, number>>;
  resetCalls(service: MockServiceName): Promise<void>;
  /** Calls in flight now and at most at once since the last `resetCalls`. */
  concurrency(service: MockServiceName): Promise<Concurrency>;
  fault(service: MockServiceName, fault: FaultSpec): Promise<void>;
  clearFaults(service: MockServiceName): Promise<void>;
  /** The payment provider's charges and refunds by order. */
  ledger(): Promise<Ledger>;
}

/** A client for the control API; a refused control call fails the test with the mock's answer. */
export function createMockControl(urls: Readonly<Record<MockServiceName, string>>): MockControl {
  const control = async (service: MockServiceName, path: string, init?: RequestInit) => {
    const res = await fetch(`${urls[service]}${path}`, init);
    if (res.status >= 400) throw new Error(`${service} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  return {
    calls: async (service) =>
      (await (await control(service, '/__calls')).json()) as Record<string, number>,
    resetCalls: async (service) => {
      await control(service, '/__calls/reset', { method: 'POST' });
    },
    concurrency: async (service) =>
      (await (await control(service, '/__concurrency')).json()) as Concurrency,
    fault: async (service, fault) => {
      await control(service, '/__faults', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(fault),
      });
    },
    clearFaults: async (service) => {
      await control(service, '/__faults', { method: 'DELETE' });
    },
    ledger: async () => (await (await control('payment', '/__ledger')).json()) as Ledger,
  };
}
