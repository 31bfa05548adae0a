import type { Route } from '@edge/common';
import type { MockServiceName } from './types.js';

/**
 * One mocked service: its routes and a way back to its seed state. Routes whose path starts
 * with `/__` are control routes and are served as they are; every other route is counted and
 * may be faulted.
 */
export interface MockService {
  name: MockServiceName;
  routes: Route[];
  /** Drop state this service owns (the shared catalogue is reset by its owner). */
  reset(): void;
}
