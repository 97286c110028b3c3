import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test-servers/global-setup/engine'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
})
