import { describe, expect, test } from 'vitest'
import {
  analyzeSoak,
  busGaps,
  callBounds,
  HistoryBuilder,
  type SoakRun,
  unhealthyWindows,
} from '../src/soak/index.js'
import { TEST_EXPECTATIONS } from './soak-expectations.js'

const EXPECT = TEST_EXPECTATIONS

const MIB = 1024 * 1024

/** A clean two-worker run: one pause that made one call fail, and the bus heard after it. */
function cleanRun(): { run: SoakRun; history: HistoryBuilder } {
  const history = new HistoryBuilder()
  const stored = history.set(0, 'k', [10_000, 10_001], { tags: ['t'] })
  history.read(1, 'k', [10_010, 10_011], stored.value!, { tags: ['t'] })
  history.delete(1, 'k', [20_100, 20_200], { ok: false })
  history.invalidate(0, ['t'], [30_000, 30_001])
  const run: SoakRun = {
    startedAt: 0,
    warmupEndedAt: 1000,
    endedAt: 40_000,
    ops: history.ops,
    receipts: [
      { worker: 0, at: 30_500, tags: ['t'] },
      { worker: 1, at: 30_500, tags: ['t'] },
    ],
    gapEvents: [],
    faults: [{ name: 'pause', kind: 'store', start: 20_000, end: 21_000 }],
    heap: [
      [5 * MIB, 6 * MIB, 6.2 * MIB],
      [5 * MIB, 6 * MIB, 6.1 * MIB],
    ],
    fatals: [],
    warnings: [],
    orphanErrors: [],
    closes: [0, 1].map((worker) => ({ worker, closeMs: 10, exitMs: 100, activeResources: [] })),
    clockOffsets: [0, 1].map((worker) => ({ worker, offsetMs: 0.01, rttMs: 0.1 })),
    output: '',
  }
  return { run, history }
}

describe('analyzeSoak', () => {
  test('finds nothing wrong in a clean run, and counts its figures', () => {
    const report = analyzeSoak(cleanRun().run, EXPECT)
    expect(report.problems).toEqual([])
    expect(report.calls.delete).toMatchObject({ calls: 1, threw: 1, boundMs: 150 })
    expect(report.faults).toEqual([
      { name: 'pause', detail: undefined, heldMs: 1000, failedCalls: 1, busBackMs: 9500 },
    ])
  })

  test('reports each broken promise', () => {
    const { run, history } = cleanRun()
    history.read(0, 'k', [35_000, 37_000], 'w9-L1') // too slow, and a value nobody produced
    const broken: SoakRun = {
      ...run,
      ops: history.ops,
      faults: [...run.faults, { name: 'pause', kind: 'store', start: 38_000, end: 38_500 }],
      heap: [run.heap[0]!, [5 * MIB, 6 * MIB, 7.5 * MIB]],
      fatals: [{ worker: 1, kind: 'unhandledRejection', message: 'Error: boom' }],
      closes: [
        { worker: 0, closeMs: 1500, exitMs: 100, activeResources: [] },
        {
          worker: 1,
          closeMs: 10,
          exitMs: Infinity,
          error: 'E_STORE',
          activeResources: ['Timeout'],
        },
      ],
    }
    const problems = analyzeSoak(broken, EXPECT).problems.map((line) => line.split('\n')[0])
    expect(problems).toEqual([
      '1 getOrSet call(s) took longer than their bound of 560 ms',
      '1 read(s) served a value older than an acknowledged change',
      'no call failed during the pause fault: the fault did not take effect',
      'worker(s) 0, 1 heard no invalidation after the last fault: the bus did not come back',
      '1 unhandled error(s) in the workers',
      'worker 1 heap grew 1.50 MiB across rounds (5.00 → 6.00 → 7.50 MiB)',
      'worker 0: close() took 1500 ms (bound 1000 ms)',
      'worker 1: close() threw E_STORE',
      'worker 1: the process took more than 5 s (killed) to exit after close() (bound 2000 ms; still active at close: Timeout)',
    ])
  })

  test('a getOrSet or set that throws is a broken promise', () => {
    const { run, history } = cleanRun()
    history.ops.push({
      id: '0:99',
      worker: 0,
      kind: 'set',
      key: 'k',
      start: 5000,
      end: 5001,
      ok: false,
      error: 'E_STORE',
    })
    const problems = analyzeSoak({ ...run, ops: history.ops }, EXPECT).problems
    expect(problems.map((line) => line.split('\n')[0])).toEqual([
      "1 getOrSet/set call(s) threw (onStoreError 'degrade' promises a miss or an error event)",
    ])
  })
})

describe('loads around a bus fault', () => {
  /** Two loads of a locked key in one process with nothing between them, at 25000 and 25100. */
  function reloaded(): SoakRun {
    const { run, history } = cleanRun()
    history.load(0, 'locked', [25_000, 25_020], [25_005, 25_015], { lock: true })
    history.load(0, 'locked', [25_100, 25_120], [25_105, 25_115], { lock: true })
    history.invalidate(1, ['t'], [35_000, 35_001])
    return { ...run, ops: history.ops }
  }

  test('a second locked load with nothing between is beyond the bound', () => {
    const problems = analyzeSoak(reloaded(), EXPECT).problems.map((line) => line.split('\n')[0])
    // Redundant (the first value was stored) and a second locked load.
    expect(problems).toEqual(['2 loader call(s) beyond the documented bound'])
  })

  test('is not judged: a bus gap supersedes the loads of its process, which store nothing', () => {
    const run = reloaded()
    const cut = { name: 'cut', kind: 'bus' as const, start: 24_900, end: 25_050 }
    expect(analyzeSoak({ ...run, faults: [...run.faults, cut] }, EXPECT).problems).toEqual([])
  })
})

describe('bounds and windows', () => {
  test('call bounds are sums of store timeouts, lock wait and loader time', () => {
    const timings = {
      storeTimeoutMs: 300,
      lockWaitMs: 1000,
      cooldownMs: 1000,
      loaderMaxMs: 15,
      slackMs: 0,
    }
    expect(callBounds(timings)).toEqual({
      delete: 300,
      invalidateTags: 600,
      expireTags: 600,
      clear: 900,
      get: 600,
      set: 900,
      getOrSet: 1515,
      'getOrSet+lock': 3715,
    })
  })

  test('unhealthy: the warm-up and each store fault plus its recovery', () => {
    const faults = [
      { name: 'pause', kind: 'store' as const, start: 10, end: 20 },
      { name: 'cut', kind: 'bus' as const, start: 30, end: 31 },
    ]
    expect(unhealthyWindows(faults, 5, 3)).toEqual([
      { start: -Infinity, end: 3 },
      { start: 10, end: 25 },
    ])
  })

  test('a bus gap lasts until the worker hears a message after the fault', () => {
    const faults = [{ name: 'cut', kind: 'bus' as const, start: 10, end: 20 }]
    const receipts = [
      { worker: 0, at: 15, tags: [] },
      { worker: 0, at: 22, tags: [] },
    ]
    expect(busGaps(faults, receipts, 2, 100)).toEqual([
      { worker: 0, start: 10, end: 22 },
      { worker: 1, start: 10, end: 100 },
    ])
  })
})
