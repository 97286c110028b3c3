import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The PostgreSQL suite starts its own server; the engine setup decides whether it runs,
    // is skipped (no container engine) or fails (CI).
    globalSetup: ['test-servers/global-setup/engine'],
    hookTimeout: 120_000,
  },
})
