import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The worker's sweeps are global, as in production: test files that sweep with clocks of their own
    // would settle each other's deliberately unsettled payments if they ran at the same time.
    fileParallelism: false,
  },
});
