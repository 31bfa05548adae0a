import { afterAll, beforeAll, beforeEach } from 'vitest';
import {
  type ServicesMock,
  type ServicesMockOptions,
  startServicesMock,
} from '../src/services-mock';

/**
 * One silent services-mock per test file: started before its tests, closed after them and, with
 * `resetEach` (the default), back to the seeded state before every test. `started` hands it to
 * the file, which keeps it in its own `let mock`.
 */
export function useServicesMock(
  started: (mock: ServicesMock) => void,
  options: ServicesMockOptions & { resetEach?: boolean } = {},
): void {
  const { resetEach = true, ...mockOptions } = options;
  let mock: ServicesMock | undefined;
  beforeAll(async () => {
    mock = await startServicesMock({ logLevel: 'silent', ...mockOptions });
    started(mock);
  });
  afterAll(async () => {
    await mock?.close();
  });
  if (resetEach) beforeEach(() => mock?.reset());
}

/**
 * Poll `probe` until it answers a value, then return it; the test's own timeout bounds the wait.
 * testkit's `waitUntil` cannot serve here: testkit depends on this package.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined | false>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
