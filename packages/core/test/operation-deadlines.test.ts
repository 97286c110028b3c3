import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { OperationDeadlines } from '../src/store/operation-deadlines.js'

describe('OperationDeadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('expires each unanswered operation once its own timeout has passed', () => {
    const deadlines = new OperationDeadlines(100)
    const expired: string[] = []
    deadlines.track(() => expired.push('a'))
    vi.advanceTimersByTime(40)
    const b = deadlines.track(() => expired.push('b'))
    deadlines.track(() => expired.push('c'))
    vi.advanceTimersByTime(59)
    expect(expired).toEqual([])
    vi.advanceTimersByTime(1)
    expect(expired).toEqual(['a'])
    expect(deadlines.settle(b)).toBe(true)
    vi.advanceTimersByTime(40)
    expect(expired).toEqual(['a', 'c'])
  })

  it('ignores an answer that arrives after the timeout', () => {
    const deadlines = new OperationDeadlines(50)
    const expire = vi.fn()
    const pending = deadlines.track(expire)
    vi.advanceTimersByTime(50)
    expect(expire).toHaveBeenCalledOnce()
    expect(deadlines.settle(pending)).toBe(false)
  })

  it('keeps a long queue of answered operations from expiring anything', () => {
    const deadlines = new OperationDeadlines(10)
    const expire = vi.fn()
    for (let i = 0; i < 5000; i++) deadlines.settle(deadlines.track(expire))
    vi.advanceTimersByTime(1000)
    expect(expire).not.toHaveBeenCalled()
  })

  it('lets go of answered operations under steady load, before its timer fires', async () => {
    vi.useRealTimers()
    // An operation's expiry callback holds its promise and so its answer. Under steady load
    // (always one more in flight) the queue's head never catches up with its tail: answered
    // operations kept their answers until the timer fired, long enough to fill the old generation.
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const deadlines = new OperationDeadlines(60_000)
    const answers: WeakRef<object>[] = []
    let inFlight = deadlines.track(() => {})
    for (let i = 0; i < 5_000; i++) {
      const answer = { i }
      answers.push(new WeakRef(answer))
      const next = deadlines.track(() => expect.unreachable(`operation ${answer.i} expired`))
      deadlines.settle(inFlight)
      inFlight = next
    }
    deadlines.settle(inFlight)
    await new Promise((resolve) => setImmediate(resolve))
    gc()
    expect(answers.filter((answer) => answer.deref() !== undefined)).toEqual([])
  })

  it('holds the process open only while an operation waits', () => {
    vi.useRealTimers()
    // Timers that keep the process alive (an unref'd one is not listed).
    const liveTimers = () =>
      process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
    const before = liveTimers()
    const deadlines = new OperationDeadlines(100_000)
    const pending = deadlines.track(() => {})
    expect(liveTimers()).toBe(before + 1)
    deadlines.settle(pending)
    expect(liveTimers()).toBe(before)
    // A later operation holds it again, and only until it settles.
    const next = deadlines.track(() => {})
    expect(liveTimers()).toBe(before + 1)
    deadlines.settle(next)
    expect(liveTimers()).toBe(before)
  })
})
