import { describe, expect, inject } from 'vitest'
import type { TestServersContext } from './provided-context.js'
import type { SampleExit } from './sample-process.js'

export type { ProvidedRedisClusterNode, TestServersContext } from './provided-context.js'

const SETUP_FOR_KEY: Record<keyof TestServersContext, string> = {
  testServersSkipReason: 'test-servers/global-setup/engine (or any other test-servers setup)',
  redisUrl: 'test-servers/global-setup/redis',
  redisClusterNodes: 'test-servers/global-setup/redis-cluster',
  redisClusterUrls: 'test-servers/global-setup/redis-cluster',
  redisSentinelNodes: 'test-servers/global-setup/redis-sentinel',
  redisSentinelMasterName: 'test-servers/global-setup/redis-sentinel',
  memcachedServers: 'test-servers/global-setup/memcached',
  postgresUrl: 'test-servers/global-setup/postgres',
}

function missing(key: keyof TestServersContext): Error {
  return new Error(
    `test-servers: \`${key}\` was not provided. Add '${SETUP_FOR_KEY[key]}' to test.globalSetup ` +
      'in this package’s vitest.config.ts (see packages/test-servers/README.md).',
  )
}

/**
 * Why this run's integration suites skip (no container engine outside CI), or `null` when the
 * servers run. Throws when no test-servers global setup is configured.
 */
export function serversSkipReason(): string | null {
  const reason = inject('testServersSkipReason')
  if (reason === undefined) throw missing('testServersSkipReason')
  return reason
}

/**
 * `describe` for a suite that needs servers: it runs when the global setup started them and is
 * reported as skipped, with the reason in its name, when there is no container engine outside CI
 * (under `CI=true` the global setup fails the run instead). As with any skipped suite, vitest
 * still calls `factory` to collect it: connect in hooks or tests, not in the factory's body.
 */
export function describeWithServers(name: string, factory: () => void): void {
  const reason = serversSkipReason()
  describe.skipIf(reason !== null)(reason === null ? name : `${name} [skipped: ${reason}]`, factory)
}

/**
 * A value a test-servers global setup provided, e.g. `injectServer('redisUrl')`. Throws, naming
 * the setup to add, when it was not configured. When the suites skip (no engine, outside CI) it
 * returns `undefined` despite its type: use it inside {@link describeWithServers} only.
 */
export function injectServer<K extends Exclude<keyof TestServersContext, 'testServersSkipReason'>>(
  key: K,
): TestServersContext[K] {
  const value = inject(key)
  if (value === undefined && serversSkipReason() === null) throw missing(key)
  return value
}

/** Options of {@link expectExitedAfterClose}. */
export interface ExitExpectations {
  /**
   * What the process may print on stderr: `''` (nothing, the default) or a pattern it must
   * match (a sample that reports a failure on purpose).
   * @default ''
   */
  readonly stderr?: RegExp | ''
  /**
   * The longest time from the end of the sample (its last `close()`) to the exit.
   * @default 2000
   */
  readonly withinMs?: number
}

/**
 * Asserts that a process run by `runUntilExit` completed its sample, exited by itself with
 * code 0 within `withinMs` of its last statement, and printed nothing unexpected on stderr (a
 * warning from a connection left open, for instance).
 */
export function expectExitedAfterClose(exit: SampleExit, expected: ExitExpectations = {}): void {
  expect({ code: exit.code, exitedByItself: exit.exitedByItself }, exit.stderr).toEqual({
    code: 0,
    exitedByItself: true,
  })
  expect(exit.exitAfterEndMs, 'the sample did not reach its end').toBeDefined()
  expect(exit.exitAfterEndMs!).toBeLessThan(expected.withinMs ?? 2000)
  const stderr = expected.stderr ?? ''
  if (stderr === '') expect(exit.stderr).toBe('')
  else expect(exit.stderr).toMatch(stderr)
}
