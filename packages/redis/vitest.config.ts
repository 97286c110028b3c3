import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test-servers/global-setup/redis', 'test-servers/global-setup/redis-cluster'],
    // Round-trip tests read the shared servers' command statistics: no other file may send
    // commands meanwhile.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
})
