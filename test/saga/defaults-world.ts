import type { ServicesMock } from '@edge/services-mock';
import { afterAll, beforeAll } from 'vitest';
import {
  defaultsEnv,
  type Orchestrator,
  spawnOrchestrator,
  startMock,
  stockedItems,
  testPrefix,
} from './saga-harness';

/** What `withDefaultsWorld` gives a test file, ready inside its tests. */
export interface DefaultsWorld {
  mock: ServicesMock;
  items: Awaited<ReturnType<typeof stockedItems>>;
  orchestrator: Orchestrator;
}

/**
 * services-mock, its stocked items and one orchestrator with the shipped default policies under
 * a fresh key prefix, started before the file's tests and stopped after them: the proofs of the
 * product's promises run on exactly this.
 */
export function withDefaultsWorld(): DefaultsWorld {
  const world = {} as DefaultsWorld;
  const { prefix, cleanup } = testPrefix();
  beforeAll(async () => {
    world.mock = await startMock();
    world.items = await stockedItems(world.mock);
    world.orchestrator = await spawnOrchestrator(defaultsEnv(world.mock, prefix));
  });
  afterAll(async () => {
    await world.orchestrator?.stop();
    await world.mock?.close();
    await cleanup();
  });
  return world;
}
