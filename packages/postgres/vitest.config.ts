import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file starts its own PostgreSQL server in a container.
    hookTimeout: 120_000,
    testTimeout: 30_000,
  },
})
