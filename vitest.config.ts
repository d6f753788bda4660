import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          // Real workflows on a Temporal dev server of their own, with stubbed activities (no PostgreSQL).
          name: 'workflows',
          include: ['test/workflows/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/replay/**/*.test.ts'],
          // One Temporal dev server for the whole run; each file gets its own database and task queue.
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          // Each file crashes and restarts a PostgreSQL cluster and a Temporal dev server of its own
          // (test/faults/environment.ts). `vitest run` runs the default subset (a few minutes);
          // DRIFTWATCH_FAULTS=full (`npm run test:faults`) every scenario, with the outage lengths.
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          globalSetup: ['test/faults/global-setup.ts'],
          // After the other projects: outages and heartbeat timeouts are timed, and must not share the CPUs with them.
          sequence: { groupOrder: 1 },
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
