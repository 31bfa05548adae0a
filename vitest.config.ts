import { defineConfig } from 'vitest/config';

// Timeouts only turn a hang into a failure, so they are generous. They are sized for a
// loaded 2-core box (the suite beside two busy loops): a whole stack of real processes started in
// an e2e file's beforeAll took more than 120 s there.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
