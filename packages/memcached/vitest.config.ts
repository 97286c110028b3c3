import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Two shared memcached 1.6 servers; fault and hashing tests start their own.
    globalSetup: ['test-servers/global-setup/memcached'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
})
