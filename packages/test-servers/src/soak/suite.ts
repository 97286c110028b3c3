/**
 * One backend's soak as a vitest suite: a dedicated server, the fleet under its faults, the
 * judged report logged, and no broken promise. The per-backend test files only say how to
 * start the server, what to pass the fixture and which faults to inject.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import { describeWithServers } from '../vitest.js'
import type { Fault } from './faults.js'
import { runJudgedSoak, SOAK_CACHE_OPTIONS, SOAK_ROUND, soakExpectations } from './profile.js'
import { DEFAULT_WORKLOAD } from './workload.js'

/** How {@link describeSoak} runs one backend. */
export interface SoakSuite<S> {
  /** The backend's name in titles and figures, e.g. `'Redis'`. */
  readonly name: string
  /** Starts the soak's own server (it is frozen and killed: never a shared one). */
  start(): Promise<S>
  stop(server: S): Promise<void>
  /** Absolute path of the fixture module exporting `createSoakCache`. */
  readonly fixture: string
  /** What the fixture needs besides the cache options (`cache`), e.g. `{ url }`. */
  params(server: S): Record<string, unknown>
  /** One fault per round. */
  faults(server: S): Fault[]
  /** Whether the backend has a bus. */
  readonly bus: boolean
  /** The adapter's reconnect backoff cap, in ms. */
  readonly reconnectMs: number
}

/** Processes in every soak. */
export const SOAK_PROCESSES = 4

/** Registers the soak of one backend (about 35–60 s). */
export function describeSoak<S>(suite: SoakSuite<S>): void {
  describeWithServers(`soak: ${SOAK_PROCESSES} processes on one ${suite.name} under faults`, () => {
    let server: S | undefined

    beforeAll(async () => {
      server = await suite.start()
    })

    afterAll(async () => {
      if (server !== undefined) await suite.stop(server)
    })

    test('calls stay bounded, reads fresh, loads bounded, heaps flat, processes exit', async () => {
      const started = server as S
      const report = await runJudgedSoak(
        suite.name,
        {
          processes: SOAK_PROCESSES,
          fixture: suite.fixture,
          params: { ...suite.params(started), cache: SOAK_CACHE_OPTIONS },
          workload: DEFAULT_WORKLOAD,
          faults: suite.faults(started),
          warmupMs: 1500,
          round: SOAK_ROUND,
        },
        soakExpectations({ bus: suite.bus, reconnectMs: suite.reconnectMs }),
      )
      expect(report.problems).toEqual([])
    }, 150_000)
  })
}
