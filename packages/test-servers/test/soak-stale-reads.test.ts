import { describe, expect, test } from 'vitest'
import { HistoryBuilder } from '../src/soak/history-builder.js'
import { checkStaleReads, type StaleReadOptions } from '../src/soak/index.js'

const rules = (h: HistoryBuilder, options?: StaleReadOptions) =>
  checkStaleReads(h.ops, options).violations.map((v) => v.rule)

describe('histories the freshness checker accepts', () => {
  test('a read of the value an acknowledged set wrote', () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [0, 1])
    h.read(1, 'k', [5, 6], set.value!)
    expect(checkStaleReads(h.ops)).toMatchObject({ readsChecked: 1, violations: [], tolerated: [] })
  })

  test('a write that overlapped the change it is compared with', () => {
    const h = new HistoryBuilder()
    const first = h.set(0, 'k', [10, 20])
    h.set(1, 'k', [15, 16]) // began before the first was acknowledged
    h.delete(2, 'k', [18, 19])
    h.read(3, 'k', [30, 31], first.value!)
    expect(rules(h)).toEqual([])
  })

  test('a load whose loader started after the invalidation began', () => {
    const h = new HistoryBuilder()
    h.invalidate(0, ['t'], [10, 12])
    const load = h.load(1, 'k', [9, 30], [11, 25], { tags: ['t'] })
    h.read(2, 'k', [40, 41], load.value!, { tags: ['t'] })
    expect(rules(h)).toEqual([])
  })

  test('changes that were not acknowledged do not count', () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [0, 1], { tags: ['t'] })
    h.invalidate(1, ['t'], [5, 6], { ok: false })
    h.delete(1, 'k', [7, 8], { ok: false })
    h.set(1, 'k', [9, 10], { acked: false })
    h.read(2, 'k', [20, 21], set.value!, { tags: ['t'] })
    expect(rules(h)).toEqual([])
  })

  test('a write that was not acknowledged may land after a later set or delete', () => {
    const h = new HistoryBuilder()
    const late = h.set(0, 'k', [0, 300], { acked: false })
    h.delete(1, 'k', [400, 401])
    h.read(2, 'k', [500, 501], late.value!)
    expect(rules(h)).toEqual([])
  })

  test("another process's delete that began while a load ran (not promised across processes)", () => {
    const h = new HistoryBuilder()
    const load = h.load(0, 'k', [0, 30], [2, 25])
    h.delete(1, 'k', [10, 11])
    h.read(2, 'k', [40, 41], load.value!)
    expect(rules(h)).toEqual([])
  })

  test('a read that began before the change was acknowledged', () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [0, 1], { tags: ['t'] })
    h.invalidate(1, ['t'], [10, 20])
    h.read(2, 'k', [15, 25], set.value!, { tags: ['t'] })
    expect(rules(h)).toEqual([])
  })

  test('an invalidation of a tag the value does not carry', () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [0, 1], { tags: ['a'] })
    h.invalidate(1, ['b'], [10, 11])
    h.read(2, 'k', [20, 21], set.value!, { tags: ['a'] })
    expect(rules(h)).toEqual([])
  })

  test('clock skew: a change acknowledged within the skew of the read is concurrent', () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [0, 1])
    h.delete(1, 'k', [5, 10])
    h.read(2, 'k', [10.5, 11], set.value!)
    expect(rules(h, { clockSkewMs: 1 })).toEqual([])
    expect(rules(h, { clockSkewMs: 0 })).toEqual(['key'])
  })
})

describe('histories the freshness checker rejects', () => {
  test('a value read after an acknowledged delete of its key', () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [0, 10])
    const removal = h.delete(1, 'k', [20, 21])
    const read = h.read(2, 'k', [30, 31], set.value!)
    const [violation] = checkStaleReads(h.ops).violations
    expect(violation).toMatchObject({
      rule: 'key',
      read,
      producer: set,
      change: removal,
      lateByMs: 9,
    })
  })

  test('a value read after another value was set and acknowledged', () => {
    const h = new HistoryBuilder()
    const first = h.set(0, 'k', [0, 10])
    h.set(1, 'k', [20, 22])
    h.read(0, 'k', [30, 31], first.value!)
    expect(rules(h)).toEqual(['key'])
  })

  test('a load that started before an invalidation, served after it', () => {
    const h = new HistoryBuilder()
    // Its write is not even acknowledged: the tag rule does not need it.
    const load = h.load(0, 'k', [0, 40], [5, 30], { tags: ['t'], written: false })
    h.invalidate(1, ['t'], [10, 12])
    h.read(2, 'k', [50, 51], load.value!, { tags: ['t'] })
    expect(rules(h)).toEqual(['tag'])
  })

  test('a set value read after its tag was invalidated', () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [0, 10], { tags: ['a', 'b'] })
    h.invalidate(1, ['c', 'b'], [15, 16])
    h.read(2, 'k', [20, 21], set.value!, { tags: ['a', 'b'] })
    expect(rules(h)).toEqual(['tag'])
  })

  test('a value read after a clear by namespace generation: a set before it, a load begun before it', () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [0, 10], { tags: ['a'] })
    const load = h.load(1, 'j', [0, 40], [5, 30])
    h.clear(2, [15, 16])
    h.read(3, 'k', [20, 21], set.value!, { tags: ['a'] })
    h.read(3, 'j', [50, 51], load.value!)
    expect(rules(h)).toEqual(['tag', 'tag'])
  })

  test('a load cached over a delete its own process made while it ran', () => {
    const h = new HistoryBuilder()
    const load = h.load(0, 'k', [0, 30], [2, 25])
    h.delete(0, 'k', [10, 11])
    h.read(1, 'k', [40, 41], load.value!)
    expect(rules(h)).toEqual(['same-process'])
  })

  test('a value nobody produced, and a value of another key', () => {
    const h = new HistoryBuilder()
    const other = h.set(0, 'other', [0, 1])
    h.read(1, 'k', [5, 6], 'w9-L999')
    h.read(1, 'k', [5, 6], other.value!)
    expect(rules(h)).toEqual(['unknown-value', 'wrong-key'])
  })
})

describe('reads from in-process state', () => {
  function joinedAfterRemoteInvalidation(readAt: number) {
    const h = new HistoryBuilder()
    const load = h.load(0, 'k', [0, 40], [5, 30], { tags: ['t'] })
    h.invalidate(1, ['t'], [10, 12])
    h.read(0, 'k', [readAt, readAt + 1], load.value!, { via: 'shared', tags: ['t'] })
    return h
  }

  test('are late within the bus bound against other processes: tolerated', () => {
    const h = joinedAfterRemoteInvalidation(20)
    const report = checkStaleReads(h.ops, { inProcess: { sources: ['shared'], boundMs: 50 } })
    expect(report.violations).toEqual([])
    expect(report.tolerated.map((read) => [read.rule, read.lateByMs])).toEqual([['tag', 8]])
  })

  test('later than the bound: a violation, unless a bus gap of that process covers it', () => {
    const h = joinedAfterRemoteInvalidation(200)
    const options = { sources: ['shared'], boundMs: 50 }
    expect(rules(h, { inProcess: options })).toEqual(['tag'])
    const otherWorkersGap = { worker: 1, start: 0, end: 1000 }
    expect(rules(h, { inProcess: { ...options, gaps: [otherWorkersGap] } })).toEqual(['tag'])
    const ownGap = { worker: 0, start: 100, end: 150 }
    expect(rules(h, { inProcess: { ...options, gaps: [ownGap] } })).toEqual([])
  })

  test('are never late against their own process', () => {
    const h = new HistoryBuilder()
    const load = h.load(0, 'k', [0, 40], [5, 30], { tags: ['t'] })
    h.invalidate(0, ['t'], [10, 12])
    h.read(0, 'k', [20, 21], load.value!, { via: 'shared', tags: ['t'] })
    const options = { sources: ['shared'], boundMs: 50, gaps: [{ start: 0, end: 100 }] }
    expect(rules(h, { inProcess: options })).toEqual(['tag'])
  })

  test('reads from the store get no tolerance', () => {
    const h = new HistoryBuilder()
    const load = h.load(0, 'k', [0, 40], [5, 30], { tags: ['t'] })
    h.invalidate(1, ['t'], [10, 12])
    h.read(0, 'k', [20, 21], load.value!, { via: 'hit', tags: ['t'] })
    expect(rules(h, { inProcess: { sources: ['shared'], boundMs: 50 } })).toEqual(['tag'])
  })
})

describe('reads that never load, and soft invalidations', () => {
  test('a get hit is checked like any read; a get miss is not a read of a value', () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [0, 1])
    h.delete(1, 'k', [10, 11])
    h.get(2, 'k', [5, 6], set.value!)
    h.get(2, 'k', [20, 21], undefined)
    expect(checkStaleReads(h.ops)).toMatchObject({ readsChecked: 1, violations: [] })
    h.get(2, 'k', [30, 31], set.value!)
    expect(rules(h)).toEqual(['key'])
  })

  test('an acknowledged expireTags retires values like invalidateTags (the soaks have no grace)', () => {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [0, 1], { tags: ['t'] })
    h.expire(1, ['t'], [10, 11], { ok: false })
    h.read(2, 'k', [20, 21], set.value!, { tags: ['t'] })
    expect(rules(h)).toEqual([])
    h.expire(1, ['t'], [30, 31])
    h.read(2, 'k', [40, 41], set.value!, { tags: ['t'] })
    expect(rules(h)).toEqual(['tag'])
  })
})

describe('joins of a load older than a tag change', () => {
  function joinAfter(change: 'expire' | 'invalidate') {
    const h = new HistoryBuilder()
    const load = h.load(0, 'k', [0, 40], [5, 30], { tags: ['t'] })
    h[change](0, ['t'], [10, 12])
    h.read(0, 'k', [20, 21], load.value!, { via: 'shared', tags: ['t'] })
    return h
  }

  test('are violations after an expireTags as after an invalidateTags (core supersedes both)', () => {
    expect(rules(joinAfter('expire'))).toEqual(['tag'])
    expect(rules(joinAfter('invalidate'))).toEqual(['tag'])
  })
})

describe('in-process reads judged by when their process heard the change', () => {
  /** Worker 1 deletes k at [10, 11]; worker 2 reads the old value from its L1 at `readAt`. */
  function l1ReadAfterRemoteDelete(readAt: number) {
    const h = new HistoryBuilder()
    const set = h.set(0, 'k', [0, 1])
    h.delete(1, 'k', [10, 11])
    h.read(2, 'k', [readAt, readAt + 0.1], set.value!, { via: 'l1' })
    return h
  }
  /** Worker 2 heard, at 14, a message published after 11: the delete's message came before. */
  const heardBy = (worker: number, acknowledgedAt: number) =>
    worker === 2 && acknowledgedAt < 12 ? 14 : Infinity

  test('a read that began before its process heard the change is tolerated', () => {
    const h = l1ReadAfterRemoteDelete(13)
    const report = checkStaleReads(h.ops, { inProcess: { sources: ['l1'], heardBy } })
    expect(report.violations).toEqual([])
    expect(report.tolerated.map((read) => [read.rule, read.lateByMs])).toEqual([['key', 2]])
  })

  test('a read that began after its process heard the change is a violation, however soon', () => {
    const h = l1ReadAfterRemoteDelete(14.5)
    expect(rules(h, { inProcess: { sources: ['l1'], heardBy } })).toEqual(['key'])
  })

  test('maxLateMs caps the tolerance whatever was heard (maxStaleness)', () => {
    const never = () => Infinity
    expect(
      rules(l1ReadAfterRemoteDelete(500), {
        inProcess: { sources: ['l1'], heardBy: never, maxLateMs: 1000 },
      }),
    ).toEqual([])
    expect(
      rules(l1ReadAfterRemoteDelete(1500), {
        inProcess: { sources: ['l1'], heardBy: never, maxLateMs: 1000 },
      }),
    ).toEqual(['key'])
  })

  test('each source gets its own tolerance; a source none names is strict', () => {
    const h = l1ReadAfterRemoteDelete(100)
    const tolerances = [
      { sources: ['shared'], boundMs: 1000 },
      { sources: ['l1'], boundMs: 50 },
    ]
    expect(rules(h, { inProcess: tolerances })).toEqual(['key'])
    expect(rules(h, { inProcess: [{ sources: ['l1'], boundMs: 100 }] })).toEqual([])
    expect(rules(h, { inProcess: [{ sources: ['hit'], boundMs: 1000 }] })).toEqual(['key'])
  })
})
