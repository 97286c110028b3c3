import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { filledMessage, invalidatedMessage, parseBusMessage } from '../src/bus/bus.js'
import { FillSignals } from '../src/loading/fill-signals.js'
import { BusTestStore, cachesClosedAfterEach } from './test-store.js'

const realSetTimeout = globalThis.setTimeout
const realDelay = (ms: number) => new Promise((resolve) => realSetTimeout(resolve, ms))
/** Lets pending promise chains and queued bus deliveries run (setImmediate is left real). */
const settle = async (rounds = 20) => {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve))
}

const openCache = cachesClosedAfterEach()

describe('lock waiters and the bus', () => {
  beforeEach(() => {
    // Poll pauses never end by themselves: a waiter can only be woken by the bus.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('a waiter in another process wakes when the lock holder announces the value', async () => {
    const store = new BusTestStore()
    const holder = openCache(store).cache
    const waiter = openCache(store).cache
    await settle()
    let finish!: (value: string) => void
    const loaded = holder.getOrSet('k', () => new Promise<string>((r) => (finish = r)), {
      lock: true,
    })
    await settle()
    expect(store.owners.size).toBe(1)
    const waiterLoader = vi.fn(async () => 'loaded by the waiter')
    const waited = waiter.getOrSet('k', waiterLoader, { lock: { wait: '1m' } })
    await settle()
    expect(waiter.stats().lockWaits).toBe(1)

    finish('loaded by the holder')
    const outcome = await Promise.race([waited, realDelay(2_000).then(() => 'still waiting')])
    expect(outcome).toBe('loaded by the holder')
    expect(await loaded).toBe('loaded by the holder')
    expect(waiterLoader).not.toHaveBeenCalled()
    const filled = store.published
      .map((text) => parseBusMessage(text, 'another instance'))
      .filter((message) => message?.kind === 'filled')
    expect(filled).toEqual([{ kind: 'filled', storeKey: expect.any(String) }])
  })

  it('a failed announcement is an error event; the holder still answers', async () => {
    const store = new BusTestStore()
    store.publishFails = true
    const { cache, errors } = openCache(store)
    expect(await cache.getOrSet('k', async () => 'v', { lock: true })).toBe('v')
    await settle()
    // Both announcements fail: the fill report and the key change.
    expect(errors.map((event) => event.operation)).toEqual(['publish', 'publish'])
    expect(await cache.get('k')).toBe('v')
  })

  it('announces nothing when invalidationBus is off', async () => {
    const store = new BusTestStore()
    const holder = openCache(store, { invalidationBus: false }).cache
    expect(await holder.getOrSet('k', async () => 'v', { lock: true })).toBe('v')
    await settle()
    expect(store.published).toEqual([])
  })
})

describe('FillSignals', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })
  const pending = Symbol('pending')
  const stateOf = (promise: Promise<void>) =>
    Promise.race([promise.then(() => 'resolved'), settle().then(() => pending)])

  it('a report during a pause ends it; other keys do not', async () => {
    const signals = new FillSignals()
    const watch = signals.watch('k')
    const pause = watch.pause(60_000)
    signals.filled('other')
    expect(await stateOf(pause)).toBe(pending)
    signals.filled('k')
    expect(await stateOf(pause)).toBe('resolved')
    watch.stop()
  })

  it('a report between pauses (while the waiter reads) ends the next pause at once', async () => {
    const signals = new FillSignals()
    const watch = signals.watch('k')
    signals.filled('k')
    expect(await stateOf(watch.pause(60_000))).toBe('resolved')
    // Consumed: the pause after it waits again.
    expect(await stateOf(watch.pause(60_000))).toBe(pending)
    watch.stop()
  })

  it('a pause ends on its own after its time; a stopped watch hears nothing', async () => {
    const signals = new FillSignals()
    const watch = signals.watch('k')
    const pause = watch.pause(50)
    vi.advanceTimersByTime(50)
    expect(await stateOf(pause)).toBe('resolved')
    watch.stop()
    signals.filled('k')
    expect(await stateOf(watch.pause(60_000))).toBe(pending)
  })
})

describe('bus messages', () => {
  it('reads invalidations and filled notices of other instances', () => {
    expect(parseBusMessage(invalidatedMessage('a', ['t1', 't2']), 'b')).toEqual({
      kind: 'invalidated',
      tags: ['t1', 't2'],
    })
    expect(parseBusMessage(filledMessage('a', 'root:k'), 'b')).toEqual({
      kind: 'filled',
      storeKey: 'root:k',
    })
  })

  it('ignores its own messages, other versions, unknown kinds and malformed text', () => {
    expect(parseBusMessage(filledMessage('a', 'root:k'), 'a')).toBeUndefined()
    expect(parseBusMessage(JSON.stringify({ v: 2, o: 'a', tags: ['t'] }), 'b')).toBeUndefined()
    expect(parseBusMessage(JSON.stringify({ v: 1, o: 'a', other: 1 }), 'b')).toBeUndefined()
    expect(parseBusMessage('null', 'b')).toBeUndefined()
    expect(parseBusMessage('{not json', 'b')).toBeUndefined()
  })
})
