/**
 * One backend's soak as a vitest suite: a dedicated server, the fleet under its faults, the
 * judged report logged, and no broken promise. The per-backend test files only say how to
 * start the server, what to pass the fixture and which faults to inject.
 */
import { afterAll, beforeAll, expect, test } from 'vitest'
import { describeWithServers } from '../vitest.js'
import { measureIdleDelivery } from './delivery.js'
import type { Fault } from './faults.js'
import { formatDelivery } from './format.js'
import {
  runJudgedSoak,
  SOAK_CACHE_OPTIONS,
  SOAK_ROUND,
  soakExpectations,
  TIER_WORKLOAD,
} from './profile.js'
import type { TierExpectations } from './tier.js'
import { CLEARING_WORKLOAD, DEFAULT_WORKLOAD, type WorkloadSpec } from './workload.js'

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
  /**
   * The fixture builds its cache with an in-process tier: the workload adds `get`, `expireTags`
   * and bus probes ({@link TIER_WORKLOAD}), and the run is judged as a tiered fleet (see
   * `judgeTier`). Give `maxStalenessMs` when the fixture's tier has one.
   * @default undefined (no tier)
   */
  readonly tier?: TierExpectations | undefined
  /**
   * Before the soak, measure the bus's delivery on a fleet that does nothing but probe (see
   * `measureIdleDelivery`), on the same server, and check every probe reached every process.
   * @default false
   */
  readonly idleDelivery?: boolean | undefined
  /**
   * The backend clears by namespace generation (no scoped clear): the workload adds `clear()`
   * calls (about one in three hundred) and untagged keys ({@link CLEARING_WORKLOAD}), and the
   * checkers hold clears to what a generation promises: every value written, or whose load
   * began, before a clear was acknowledged is retired, as by an invalidation of every tag. Not
   * with a tier: `describeSoak` refuses both.
   * @default false
   */
  readonly clears?: boolean | undefined
}

/** Processes in every soak. */
export const SOAK_PROCESSES = 4

/** The workload of a suite: with a tier, {@link TIER_WORKLOAD} (probes only over a bus). */
function workloadOf(suite: SoakSuite<unknown>): WorkloadSpec {
  // The tier workload's checkers know no clear: silently dropping the clears would test less
  // than the suite says.
  if (suite.tier && suite.clears) throw new Error(`soak ${suite.name}: clears with a tier`)
  if (!suite.tier) return suite.clears ? CLEARING_WORKLOAD : DEFAULT_WORKLOAD
  return suite.bus ? TIER_WORKLOAD : { ...TIER_WORKLOAD, probeEveryMs: undefined }
}

/** How a tiered suite's reads are judged, for its title. */
function freshness(suite: SoakSuite<unknown>): string {
  if (!suite.tier) return ''
  return suite.bus ? ' (by what each process heard)' : ' (within maxStaleness)'
}

/** Registers the soak of one backend (about 35–60 s). */
export function describeSoak<S>(suite: SoakSuite<S>): void {
  const processes = suite.tier
    ? `${SOAK_PROCESSES} processes, each with its own L1,`
    : `${SOAK_PROCESSES} processes`
  describeWithServers(`soak: ${processes} on one ${suite.name} under faults`, () => {
    let server: S | undefined

    beforeAll(async () => {
      server = await suite.start()
    })

    afterAll(async () => {
      if (server !== undefined) await suite.stop(server)
    })

    if (suite.idleDelivery)
      test('every change reaches every other process of an idle fleet; the delivery time is logged', async () => {
        const { delivery, run } = await measureIdleDelivery({
          fixture: suite.fixture,
          params: { ...suite.params(server as S), cache: SOAK_CACHE_OPTIONS },
          processes: SOAK_PROCESSES,
          durationMs: 4000,
        })
        console.log(
          `== ${suite.name}, ${SOAK_PROCESSES} idle processes ==\n${formatDelivery(delivery)}`,
        )
        // Every probe reached every other process (but for the last 250 ms, still on its way).
        expect(delivery.lost).toEqual([])
        expect(delivery.samples).toBeGreaterThan(0)
        expect(run.fatals).toEqual([])
        expect(run.closes.filter((close) => close.exitMs > 2000)).toEqual([])
      }, 60_000)

    test(`calls stay bounded, reads fresh${freshness(suite)}, loads bounded, heaps flat, processes exit`, async () => {
      const started = server as S
      const report = await runJudgedSoak(
        suite.name,
        {
          processes: SOAK_PROCESSES,
          fixture: suite.fixture,
          params: { ...suite.params(started), cache: SOAK_CACHE_OPTIONS },
          workload: workloadOf(suite),
          faults: suite.faults(started),
          warmupMs: 1500,
          round: SOAK_ROUND,
        },
        {
          ...soakExpectations({ bus: suite.bus, reconnectMs: suite.reconnectMs }),
          tier: suite.tier,
        },
      )
      expect(report.problems).toEqual([])
    }, 150_000)
  })
}
