import { defineConfig } from 'vitest/config'

// Adapter packages name the published entry points instead, e.g. 'test-servers/global-setup/redis';
// this package tests its own sources.
export default defineConfig({
  test: {
    globalSetup: [
      './src/global-setup/redis.ts',
      './src/global-setup/redis-cluster.ts',
      './src/global-setup/redis-sentinel.ts',
      './src/global-setup/memcached.ts',
      './src/global-setup/postgres.ts',
    ],
    // Fault tests start their own containers; a start takes seconds, not milliseconds.
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
})
