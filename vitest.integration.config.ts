import { defineConfig } from 'vitest/config';

// Broker tests share one Kafka and one registry: no file parallelism, long timeouts,
// and a global setup that starts the local infrastructure when it is not running.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    globalSetup: ['test/integration/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
