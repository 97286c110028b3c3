import { describe, expect, test } from 'vitest'
import { HistoryBuilder } from '../src/soak/history-builder.js'
import { checkLoaderCalls, type LoaderCallOptions } from '../src/soak/index.js'

const OPTIONS: LoaderCallOptions = { lockWaitMs: 1000, unhealthy: [], busDelayMs: 50 }

const extra = (h: HistoryBuilder, options: Partial<LoaderCallOptions> = {}) =>
  checkLoaderCalls(h.ops, { ...OPTIONS, ...options }).extra.map((x) => [x.rule, x.load.id])

describe('loader calls the checker accepts', () => {
  test('concurrent loads of one key without lock, one per process', () => {
    const h = new HistoryBuilder()
    h.load(0, 'k', [0, 20], [1, 18])
    h.load(1, 'k', [2, 22], [3, 20])
    expect(extra(h)).toEqual([])
  })

  test('a load after a stored value was deleted or invalidated', () => {
    const h = new HistoryBuilder()
    h.set(0, 'a', [0, 1], { tags: ['t'] })
    h.delete(1, 'a', [5, 6], { ok: false }) // even one that threw may have removed it
    h.load(2, 'a', [10, 20], [11, 19], { tags: ['t'] })
    h.load(0, 'b', [0, 10], [1, 9], { tags: ['t'] })
    h.invalidate(1, ['t'], [15, 16])
    h.load(2, 'b', [30, 40], [31, 39], { tags: ['t'] })
    expect(extra(h)).toEqual([])
  })

  test('a load after a clear by namespace generation retired every key', () => {
    const h = new HistoryBuilder()
    h.set(0, 'a', [0, 1], { tags: ['t'] })
    h.load(1, 'b', [0, 10], [1, 9])
    h.clear(2, [15, 16])
    h.load(2, 'a', [30, 40], [31, 39], { tags: ['t'] })
    h.load(0, 'b', [30, 40], [31, 39])
    expect(extra(h)).toEqual([])
  })

  test('a load after a value whose store write failed', () => {
    const h = new HistoryBuilder()
    h.load(0, 'k', [0, 10], [1, 9], { written: false })
    h.set(1, 'k', [11, 12], { acked: false })
    h.load(1, 'k', [20, 30], [21, 29])
    expect(extra(h)).toEqual([])
  })

  test('a load after one that another process may have superseded over the bus', () => {
    const h = new HistoryBuilder()
    h.invalidate(1, ['t'], [0, 2])
    // Began after the invalidation was acknowledged, but its message may arrive meanwhile.
    h.load(0, 'k', [10, 20], [11, 19], { tags: ['t'], lock: true })
    h.load(2, 'k', [30, 40], [31, 39], { tags: ['t'], lock: true })
    expect(extra(h)).toEqual([])
  })

  test('a load after a stored value may have been overwritten by a load that overlapped an invalidation', () => {
    const spoiled = (spoilerEnd: number) => {
      const h = new HistoryBuilder()
      // Captured its versions before the increment; may write its now-invalid value until it ends.
      h.load(0, 'k', [0, spoilerEnd], [1, spoilerEnd - 5], { tags: ['t'] })
      h.invalidate(1, ['t'], [10, 11])
      h.load(2, 'k', [200, 210], [201, 209], { tags: ['t'] })
      h.load(2, 'k', [300, 310], [301, 309], { tags: ['t'] })
      return extra(h, { busDelayMs: 0 })
    }
    expect(spoiled(250)).toEqual([])
    // Ended before the second value was stored: it cannot have overwritten it.
    expect(spoiled(150)).toEqual([['redundant', '2:3']])
  })

  test('a load while a set of the key was still being written', () => {
    const h = new HistoryBuilder()
    h.load(0, 'k', [0, 10], [1, 9])
    h.set(1, 'k', [15, 40]) // may have superseded that load, or be replacing its value
    h.load(2, 'k', [20, 30], [21, 29])
    expect(extra(h)).toEqual([])
  })

  test('with lock, a second load after the first one waited out the lock', () => {
    const h = new HistoryBuilder()
    h.load(0, 'k', [0, 1200], [1100, 1190], { lock: true })
    h.load(1, 'k', [5, 30], [10, 25], { lock: true })
    const report = checkLoaderCalls(h.ops, OPTIONS)
    expect(report.extra).toEqual([])
    expect(report.lockWaitRetries).toBe(1)
  })

  test('with lock, a second load after taking the lock failed', () => {
    const h = new HistoryBuilder()
    h.load(0, 'k', [0, 30], [5, 25], { lock: true })
    h.load(1, 'k', [2, 60], [10, 55], { lock: true, errorEvents: ['lock'] })
    const report = checkLoaderCalls(h.ops, OPTIONS)
    expect(report).toMatchObject({ extra: [], lockUnavailable: 1, lockWaitRetries: 0 })
  })

  test('with lock, a second load after an invalidation that ended within the clock skew of the first call', () => {
    const h = new HistoryBuilder()
    // By another process's clock it ended just before the first call began: it may still have
    // landed after that call captured its versions, and retired the value it stored.
    h.invalidate(2, ['t'], [0, 9.5])
    h.load(0, 'k', [10, 40], [15, 35], { tags: ['t'], lock: true })
    h.load(1, 'k', [20, 80], [50, 70], { tags: ['t'], lock: true })
    expect(extra(h, { busDelayMs: 0, clockSkewMs: 1 })).toEqual([])
  })

  test('loads during a fault and its recovery are not judged', () => {
    const h = new HistoryBuilder()
    h.set(0, 'k', [0, 1])
    h.load(1, 'k', [10, 20], [11, 19], { lock: true })
    h.load(2, 'k', [12, 22], [13, 21], { lock: true })
    const report = checkLoaderCalls(h.ops, { ...OPTIONS, unhealthy: [{ start: 5, end: 15 }] })
    expect(report).toMatchObject({ loads: 2, judged: 0, extra: [] })
  })
})

describe('loader calls the checker rejects', () => {
  test('a load that began after a load of the key was stored', () => {
    const h = new HistoryBuilder()
    const stored = h.load(0, 'k', [0, 10], [1, 9])
    const again = h.load(1, 'k', [20, 30], [21, 29])
    const [found] = checkLoaderCalls(h.ops, OPTIONS).extra
    expect(found).toEqual({ rule: 'redundant', load: again, previous: stored })
  })

  test('a load that began after a set of the key was acknowledged', () => {
    const h = new HistoryBuilder()
    h.set(0, 'k', [0, 1], { tags: ['t'] })
    h.invalidate(1, ['u'], [2, 3])
    h.load(1, 'k', [20, 30], [21, 29], { tags: ['t'] })
    expect(extra(h)).toEqual([['redundant', '1:2']])
  })

  test('a load after a set that replaced a stored value was acknowledged', () => {
    const h = new HistoryBuilder()
    h.load(0, 'k', [0, 10], [1, 9])
    h.set(1, 'k', [12, 14])
    h.load(2, 'k', [20, 30], [21, 29])
    expect(extra(h)).toEqual([['redundant', '2:2']])
  })

  test('with lock, two loads of a key across the fleet and nothing in between', () => {
    const h = new HistoryBuilder()
    h.load(0, 'k', [0, 30], [5, 25], { lock: true })
    // Began before the first was stored (not redundant), but the lock should have held it back.
    h.load(1, 'k', [2, 60], [40, 55], { lock: true })
    expect(extra(h)).toEqual([['lock', '1:1']])
  })

  test('with lock, two loads after an invalidation that ended before the first call, beyond the skew', () => {
    const h = new HistoryBuilder()
    const invalidation = h.invalidate(2, ['t'], [0, 5])
    h.load(0, 'k', [10, 40], [15, 35], { tags: ['t'], lock: true })
    h.load(1, 'k', [20, 80], [50, 70], { tags: ['t'], lock: true })
    const report = checkLoaderCalls(h.ops, { ...OPTIONS, busDelayMs: 0, clockSkewMs: 1 })
    expect(report.extra.map((x) => [x.rule, x.load.id, x.lastDisturbance])).toEqual([
      ['lock', '1:2', invalidation],
    ])
  })

  test('per-key figures: most loads between two disturbances', () => {
    const h = new HistoryBuilder()
    h.load(0, 'k', [0, 20], [1, 18])
    h.load(1, 'k', [2, 22], [3, 20])
    h.delete(0, 'k', [30, 31])
    h.load(0, 'k', [40, 50], [41, 49])
    expect(checkLoaderCalls(h.ops, OPTIONS).maxPerEpoch).toEqual({ k: 2 })
  })
})
