import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { SharedDeadlines } from '../src/store/deadlines.js'

// The one timer behind every store call's timeout.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('shared deadlines', () => {
  it('expires a call past its timeout within one tick, once, and never one that settled', async () => {
    const deadlines = new SharedDeadlines(50)
    const expired: string[] = []
    const startedAt = performance.now()
    let expiredAfter = 0
    const late = deadlines.watch(() => {
      expiredAfter = performance.now() - startedAt
      expired.push('late')
    })
    const settled = Array.from({ length: 1_000 }, (_, i) =>
      deadlines.watch(() => expired.push(`settled ${i}`)),
    )
    for (const watch of settled) deadlines.settled(watch)
    await sleep(40)
    const early = deadlines.watch(() => expired.push('early'))
    deadlines.settled(early)
    await sleep(100)
    expect(expired).toEqual(['late'])
    expect(expiredAfter).toBeGreaterThanOrEqual(50)
    // 1.1 × the timeout, plus what a busy test machine adds to a timer.
    expect(expiredAfter).toBeLessThan(55 + 40)
    deadlines.settled(late) // after expiry: nothing happens
    expect(expired).toEqual(['late'])
  })

  it('lets go of a settled call at once, not at the next tick', async () => {
    // A call's expiry callback holds its promise and so its result: kept until the next tick, a
    // busy store's results outlived the young generation and filled the old one.
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const deadlines = new SharedDeadlines(60_000)
    const results: WeakRef<object>[] = []
    for (let i = 0; i < 1_000; i++) {
      const result = { i }
      results.push(new WeakRef(result))
      const watch = deadlines.watch(() => expect.unreachable(`call ${result.i} expired`))
      deadlines.settled(watch)
    }
    const pending = deadlines.watch(() => {})
    await sleep(0)
    gc()
    expect(results.filter((result) => result.deref() !== undefined)).toEqual([])
    deadlines.settled(pending)
  })

  it('keeps watching calls started after others expired', async () => {
    const deadlines = new SharedDeadlines(20)
    const expired: number[] = []
    deadlines.watch(() => expired.push(1))
    await sleep(60)
    deadlines.watch(() => expired.push(2))
    await sleep(60)
    expect(expired).toEqual([1, 2])
  })
})
