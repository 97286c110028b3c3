import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Varnish and nginx start as processes in beforeAll; a cold start takes a second or two.
    hookTimeout: 60_000,
  },
})
