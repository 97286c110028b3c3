import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file starts its own PostgreSQL server (fault tests kill connections server-wide);
    // the engine setup only decides whether suites run, skip (no engine) or fail (CI).
    globalSetup: ['test-servers/global-setup/engine'],
    hookTimeout: 120_000,
    testTimeout: 30_000,
    // Polls wait for background work (NOTIFY delivery, refreshes, reconnects) on a machine that
    // may be loaded; they return as soon as the condition holds.
    expect: { poll: { timeout: 5_000 } },
  },
})
