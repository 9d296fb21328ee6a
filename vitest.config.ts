import { defineConfig } from 'vitest/config';

// Four projects, one `vitest run`:
// - unit: pure functions (render, status, validation, app domain) — no servers;
// - app: the reference shop against real Postgres, Redis and Chromium started by the tests;
// - cluster: everything that needs the real local control plane (brought up once per run);
// - node: the product on a real node (real containers, NetworkPolicies enforced), its own cluster.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'operator/**/*.test.ts',
            'app/**/*.test.ts',
            'scripts/**/*.test.ts',
            'test/cluster/node/*.test.ts',
            'test/cluster/kwok/*.test.ts',
          ],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'app',
          include: ['test/app/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts', 'test/operator/**/*.test.ts', 'test/deploy/**/*.test.ts'],
          // The real node's pure configuration tests and kwok's reference check are unit tests.
          exclude: ['test/cluster/node/**', 'test/cluster/kwok/**', '**/node_modules/**'],
          globalSetup: ['test/cluster/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          globalSetup: ['test/node/global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 1_200_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
