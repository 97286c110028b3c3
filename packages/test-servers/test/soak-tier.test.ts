import { describe, expect, test } from 'vitest'
import {
  analyzeSoak,
  type BusReceipt,
  CLEARING_WORKLOAD,
  DEFAULT_WORKLOAD,
  GET_MANY_KEYS,
  HistoryBuilder,
  heardAfter,
  missedMessageWindows,
  nextOp,
  probeTag,
  reportedGaps,
  type SoakExpectations,
  type SoakRun,
  seededRandom,
} from '../src/soak/index.js'
import { TEST_EXPECTATIONS } from './soak-expectations.js'

const EXPECT: SoakExpectations = { ...TEST_EXPECTATIONS, tier: {} }

/**
 * Three workers; each probes every 10 ms from 1000 to 9000, heard 0.5 ms after it resolved by the
 * others, except by a `deaf` worker between two times.
 */
function probedRun(
  history: HistoryBuilder,
  options: Partial<SoakRun> = {},
  deaf?: { worker: number; from: number; to: number },
): SoakRun {
  const receipts: BusReceipt[] = []
  for (let at = 1000, sequence = 0; at < 9000; at += 10, sequence++) {
    for (let worker = 0; worker < 3; worker++) {
      const start = at + worker * 3
      history.probe(worker, sequence, [start, start + 1])
      for (let listener = 0; listener < 3; listener++) {
        const heard = start + 1.5
        const lostHere = deaf?.worker === listener && start > deaf.from && start < deaf.to
        if (listener !== worker && !lostHere)
          receipts.push({ worker: listener, at: heard, tags: [probeTag(worker, sequence)] })
      }
    }
  }
  return {
    startedAt: 0,
    warmupEndedAt: 500,
    endedAt: 10_000,
    ops: history.ops,
    receipts,
    gapEvents: [],
    faults: [],
    heap: [],
    fatals: [],
    warnings: [],
    orphanErrors: [],
    closes: [],
    clockOffsets: [0, 1, 2].map((worker) => ({ worker, offsetMs: 0, rttMs: 0.1 })),
    output: '',
    ...options,
  }
}

const problems = (run: SoakRun, expect = EXPECT) =>
  analyzeSoak(run, expect).problems.map((line) => line.split('\n')[0])

describe('heardAfter: when a process surely heard what was published before a time', () => {
  test('the first probe, begun after that time, the process heard', () => {
    const h = new HistoryBuilder()
    const early = h.probe(0, 0, [10, 12])
    const late = h.probe(0, 1, [20, 22])
    const receipts = [
      { worker: 1, at: 13, tags: early.tags! },
      { worker: 1, at: 23, tags: late.tags! },
      { worker: 2, at: 24, tags: late.tags! },
    ]
    const heardBy = heardAfter(h.ops, receipts, 1)
    expect(heardBy(1, 5)).toBe(13)
    // A probe that began within the clock skew of the time proves nothing.
    expect(heardBy(1, 9.5)).toBe(23)
    expect(heardBy(1, 19)).toBe(Infinity)
    expect(heardBy(2, 5)).toBe(24)
    expect(heardBy(0, 5)).toBe(Infinity)
  })

  test('takes the earliest hearing among the later probes (a bus may reorder two publishers)', () => {
    const h = new HistoryBuilder()
    const first = h.probe(0, 0, [10, 12])
    const second = h.probe(2, 0, [11, 12])
    const receipts = [
      { worker: 1, at: 16, tags: first.tags! },
      { worker: 1, at: 14, tags: second.tags! },
    ]
    expect(heardAfter(h.ops, receipts, 0)(1, 5)).toBe(14)
  })
})

describe('gap windows from the gaps the caches reported', () => {
  const events = [
    { worker: 0, at: 105, phase: 'lost' as const },
    { worker: 1, at: 106, phase: 'lost' as const },
    { worker: 0, at: 300, phase: 'restored' as const },
    { worker: 1, at: 900, phase: 'lost' as const },
  ]

  test('each lost until its restored, or the end of the run', () => {
    expect(reportedGaps(events, 1000)).toEqual([
      { worker: 0, start: 105, end: 300 },
      { worker: 1, start: 106, end: 1000 },
    ])
  })

  test('a gap reaches back to the start of the fault that caused it', () => {
    const faults = [
      { name: 'cut', kind: 'bus' as const, start: 100, end: 200 },
      { name: 'cut', kind: 'bus' as const, start: 700, end: 750 },
    ]
    expect(missedMessageWindows(events, faults, 1000, 100)).toEqual([
      { worker: 0, start: 100, end: 300 },
      { worker: 1, start: 100, end: 1000 },
    ])
    // A lost report long after any fault starts where it was reported.
    expect(missedMessageWindows(events.slice(3), faults, 1000, 100)).toEqual([
      { worker: 1, start: 900, end: 1000 },
    ])
  })
})

describe('the tier judge', () => {
  test('a clean tiered run: delivery measured, nothing lost, reads fresh', () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [2000, 2001])
    h.read(1, 'k', [2100, 2100.1], set.value!, { via: 'l1' })
    const report = analyzeSoak(probedRun(h), EXPECT)
    expect(report.problems).toEqual([])
    expect(report.tier?.delivery).toMatchObject({ p50Ms: 0.5, p99Ms: 0.5, lost: [] })
    expect(report.tier?.delivery.samples).toBe(2 * report.tier!.delivery.probes)
    expect(report.tier?.l1Reads).toBe(1)
  })

  test('an L1 read after its process heard the delete fails; one before it is tolerated', () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [2000, 2001])
    h.delete(1, 'k', [2005, 2006])
    // Worker 2 hears worker 0's probe begun at 2010 at 2011.5: the delete was heard by then.
    h.read(2, 'k', [2009, 2009.1], set.value!, { via: 'l1' })
    const tolerated = analyzeSoak(probedRun(h), EXPECT)
    expect(tolerated.problems).toEqual([])
    expect(tolerated.tier?.tolerated).toMatchObject({ count: 1, beyondMeasuredDelivery: 1 })
    h.read(2, 'k', [2012, 2012.1], set.value!, { via: 'l1' })
    expect(problems(probedRun(h))).toEqual([
      '1 read(s) served a value older than an acknowledged change',
    ])
  })

  test('a message not heard outside any reported gap is lost; inside one it is excused', () => {
    const h = new HistoryBuilder()
    const deaf = { worker: 2, from: 4000, to: 5000 }
    const lost = problems(probedRun(h, {}, deaf))
    expect(lost).toEqual([expect.stringMatching(/^\d+ bus message\(s\) never heard/)])
    const gap = [
      { worker: 2, at: 3990, phase: 'lost' as const },
      { worker: 2, at: 5010, phase: 'restored' as const },
    ]
    const excused = analyzeSoak(probedRun(h, { gapEvents: gap }, deaf), EXPECT)
    expect(excused.problems).toEqual([])
    expect(excused.tier?.delivery.missedInGaps).toBeGreaterThan(0)
  })

  test('without maxStaleness, no L1 hit may begin while its bus is lost', () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [2000, 2001])
    h.read(2, 'k', [4500, 4500.1], set.value!, { via: 'l1' })
    const gap = [
      { worker: 2, at: 4400, phase: 'lost' as const },
      { worker: 2, at: 4600, phase: 'restored' as const },
    ]
    const run = probedRun(h, { gapEvents: gap }, { worker: 2, from: 4400, to: 4600 })
    expect(problems(run)).toEqual([
      "1 L1 hit(s) began while their process's bus was lost (without maxStaleness the tier must be bypassed)",
    ])
    expect(problems(run, { ...EXPECT, tier: { maxStalenessMs: 500 } })).toEqual([])
  })

  test("with maxStaleness, an L1 read later than it (plus a read's bound) fails even if the change was never heard", () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [2000, 2001])
    h.delete(1, 'k', [4010, 4011])
    h.read(2, 'k', [4900, 4900.1], set.value!, { via: 'l1' })
    const gap = [
      { worker: 2, at: 4000, phase: 'lost' as const },
      { worker: 2, at: 5005, phase: 'restored' as const },
    ]
    const run = probedRun(h, { gapEvents: gap }, { worker: 2, from: 4000, to: 5005 })
    expect(problems(run, { ...EXPECT, tier: { maxStalenessMs: 1000 } })).toEqual([])
    expect(problems(run, { ...EXPECT, tier: { maxStalenessMs: 500 } })).toEqual([
      '1 read(s) served a value older than an acknowledged change',
    ])
  })

  test('store faults: writes must resume after each; with maxStaleness the tier must serve through it', () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [2000, 2001])
    h.read(1, 'k', [3100, 3100.1], set.value!, { via: 'l1' })
    const faults = [{ name: 'pause', kind: 'store' as const, start: 3000, end: 3500 }]
    const run = probedRun(h, { faults })
    const withTier = { ...EXPECT, tier: { maxStalenessMs: 1000 } }
    // The fault made no call fail and no write came after it.
    expect(problems(run, withTier)).toEqual([
      'no call failed during the pause fault: the fault did not take effect',
      'no write was acknowledged after the pause fault (#1) before the next round: writes did not resume',
    ])
    h.set(2, 'k', [3200, 3300], { acked: false })
    h.set(2, 'k', [3600, 3601])
    const recovered = analyzeSoak(probedRun(h, { faults }), withTier)
    expect(recovered.problems).toEqual([])
    expect(recovered.tier?.faults).toEqual([{ name: 'pause', l1Reads: 1, writesBackAfterMs: 101 }])
    const silentTier = new HistoryBuilder()
    silentTier.set(2, 'k', [3200, 3300], { acked: false })
    silentTier.set(2, 'k', [3600, 3601])
    expect(problems(probedRun(silentTier, { faults }), withTier)).toEqual([
      'the tier served no hit during the pause fault (#1): with maxStaleness its copies serve while L2 is down',
    ])
  })

  test('over a bus, a tiered run without probes measures nothing and fails', () => {
    const run = { ...probedRun(new HistoryBuilder()), ops: [], receipts: [] }
    expect(problems(run)).toEqual(['no bus delivery measured: the workload needs probes'])
  })
})

describe('the workload', () => {
  test('without get or expireTags in the mix, draws exactly as before they existed', () => {
    const random = seededRandom(12)
    const drawn = Array.from({ length: 40 }, () => nextOp(DEFAULT_WORKLOAD, random))
    const brief = drawn.map((op) =>
      op.kind === 'invalidateTags'
        ? `i:${op.tags.join('+')}`
        : `${op.kind[0]}:${'key' in op ? op.key : ''}`,
    )
    expect(brief.join(' ')).toBe(
      'g:k0 g:k7 g:k0 g:k5 g:k5 g:k7 g:k4 s:k5 g:k6 i:t1 g:k1 g:k3 g:k2 g:k2 g:k4 g:k2 g:k2 g:k3 ' +
        's:k1 g:k4 g:k1 g:k5 g:k1 g:k3 d:k0 s:k3 g:k3 g:k6 g:k0 g:k4 g:k3 g:k0 g:k4 i:t1 g:k7 ' +
        'g:k7 g:k7 g:k2 i:t1 g:k5',
    )
  })

  test('get and expireTags are drawn by their weights', () => {
    const random = seededRandom(3)
    const mix = { getOrSet: 0, set: 0, delete: 0, invalidateTags: 0, get: 3, expireTags: 1 }
    const kinds = Array.from(
      { length: 4000 },
      () => nextOp({ ...DEFAULT_WORKLOAD, mix }, random).kind,
    )
    const gets = kinds.filter((kind) => kind === 'get').length
    expect(kinds.filter((kind) => kind !== 'get' && kind !== 'expireTags')).toEqual([])
    expect(gets / kinds.length).toBeGreaterThan(0.7)
    expect(gets / kinds.length).toBeLessThan(0.8)
  })

  test('getMany is drawn by its weight, over distinct keys that include the drawn one', () => {
    const random = seededRandom(5)
    const drawn = Array.from({ length: 4000 }, () => nextOp(CLEARING_WORKLOAD, random))
    const batches = drawn.flatMap((op) => (op.kind === 'getMany' ? [op.keys] : []))
    const { mix } = CLEARING_WORKLOAD
    const weights = mix.getOrSet + mix.set + mix.delete + mix.invalidateTags
    const share = (mix.getMany ?? 0) / (weights + (mix.clear ?? 0) + (mix.getMany ?? 0))
    expect(batches.length / drawn.length).toBeGreaterThan(share * 0.8)
    expect(batches.length / drawn.length).toBeLessThan(share * 1.2)
    for (const keys of batches) {
      expect(new Set(keys).size).toBe(GET_MANY_KEYS)
      for (const key of keys) expect(key).toMatch(/^k[0-7]$/)
    }
    // Every key turns up in a batch, first or not.
    expect(new Set(batches.flat()).size).toBe(CLEARING_WORKLOAD.keys)
  })
})
