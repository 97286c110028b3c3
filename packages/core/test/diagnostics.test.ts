import { AsyncLocalStorage } from 'node:async_hooks'
import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel'
import { afterEach, describe, expect, it } from 'vitest'
import { createCache, type OperationContext } from '../src/index.js'
import { LockingTestStore, ObjectTestStore, TestStore } from './test-store.js'

/** Collects what a channel publishes while a test runs. */
function listen(name: string) {
  const messages: Record<string, unknown>[] = []
  const handler = (message: unknown) => messages.push({ ...(message as object) })
  subscribe(name, handler)
  stops.push(() => unsubscribe(name, handler))
  return messages
}

/** Collects a tracing channel's events, in order. */
function trace(name: string) {
  const events: { event: string; message: Record<string, unknown> }[] = []
  const record = (event: string) => (message: unknown) =>
    events.push({ event, message: { ...(message as object) } })
  const handlers = {
    start: record('start'),
    end: record('end'),
    asyncStart: record('asyncStart'),
    asyncEnd: record('asyncEnd'),
    error: record('error'),
  }
  const channel = tracingChannel(name)
  channel.subscribe(handlers)
  stops.push(() => channel.unsubscribe(handlers))
  return events
}

const stops: (() => void)[] = []
afterEach(() => {
  for (const stop of stops.splice(0)) stop()
})

describe('diagnostics channels', () => {
  it('publishes every lookup with cache, namespace, store, result and tier, never a key or a scope', async () => {
    const lookups = listen('strata:cache:lookup')
    const cache = createCache({ store: new TestStore(), namespace: 'shop' })
    const tenant = cache.namespace('users').scope({ tenant: 'acme-secret' })
    await tenant.set('alice@example.com', 1)
    await tenant.get('alice@example.com')
    await tenant.get('bob@example.com')
    expect(lookups).toEqual([
      { cache: 'shop', namespace: 'users', store: 'test', result: 'hit', tier: 'l2' },
      { cache: 'shop', namespace: 'users', store: 'test', result: 'miss', tier: 'l2' },
    ])
    expect(JSON.stringify(lookups)).not.toMatch(/alice|bob|acme/)
    await cache.close()
  })

  it('publishes counted events: invalidations, sets, deletes, refreshes, store errors, the circuit', async () => {
    const events = listen('strata:cache:event')
    const store = new TestStore()
    const cache = createCache({
      store,
      storeTimeout: 50,
      circuitBreaker: { failures: 1, cooldown: '1m' },
    })
    await cache.set('k', 1)
    await cache.invalidateTags(['a', 'b'])
    await cache.delete('k')
    store.mode = 'fail'
    await cache.get('k')
    expect(events.map((event) => event.name)).toEqual([
      'set',
      'invalidate',
      'delete',
      // The failure opens the circuit, then is counted.
      'circuit',
      'storeError',
    ])
    expect(events[1]).toMatchObject({ name: 'invalidate', tags: 2, source: 'local' })
    expect(events[3]).toMatchObject({ name: 'circuit', state: 'open', store: 'test' })
    expect(events[4]).toMatchObject({ name: 'storeError', code: 'E_STORE', operation: 'get' })
    await cache.close()
  })

  it('traces store calls, and a load with its loader and lock wait inside', async () => {
    const storeCalls = trace('strata:cache:store')
    const loads = trace('strata:cache:load')
    const loaders = trace('strata:cache:loader')
    const lockWaits = trace('strata:cache:lock-wait')
    const cache = createCache({ store: new LockingTestStore() })
    expect(await cache.getOrSet('k', async () => 'v', { lock: true })).toBe('v')
    const operations = storeCalls
      .filter(({ event }) => event === 'start')
      .map(({ message }) => message.operation)
    expect(operations).toEqual(expect.arrayContaining(['get', 'lock', 'set', 'unlock']))
    expect(loads.map(({ event }) => event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
    expect(loaders.map(({ event }) => event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd'])
    expect(loaders.at(-1)!.message).toMatchObject({ cache: 'strata', store: 'test', result: 'v' })
    expect(lockWaits.map(({ event }) => event)).toContain('asyncEnd')
    await cache.close()
  })

  it('a failing loader is an error event of its trace', async () => {
    const loaders = trace('strata:cache:loader')
    const cache = createCache({ store: new TestStore() })
    await expect(
      cache.getOrSet('k', async () => {
        throw new Error('source down')
      }),
    ).rejects.toThrow('source down')
    expect(loaders.map(({ event }) => event)).toEqual([
      'start',
      'end',
      'error',
      'asyncStart',
      'asyncEnd',
    ])
    expect((loaders[2]!.message.error as Error).message).toBe('source down')
    await cache.close()
  })

  it('each traced operation has a message of its own: no loaded value or error reaches later messages', async () => {
    const loaders = trace('strata:cache:loader')
    const events = listen('strata:cache:event')
    const lookups = listen('strata:cache:lookup')
    const cache = createCache({ store: new TestStore() })
    await cache.getOrSet('a', async () => 'secret value')
    await expect(
      cache.getOrSet('b', async () => {
        throw new Error('secret failure')
      }),
    ).rejects.toThrow()
    await cache.set('c', 1)
    await cache.get('c')
    const starts = loaders.filter(({ event }) => event === 'start').map(({ message }) => message)
    expect(starts).toHaveLength(2)
    expect(starts[0]).not.toHaveProperty('result')
    expect(JSON.stringify([...events, ...lookups])).not.toMatch(/secret/)
    await cache.close()
  })

  it('a synchronous store call carries its result at end (no asyncEnd follows)', async () => {
    const storeCalls = trace('strata:cache:store')
    const cache = createCache({ store: new ObjectTestStore() })
    await cache.set('k', 1)
    await cache.get('k')
    const getCall = storeCalls.filter(({ message }) => message.operation === 'get')
    expect(getCall.map(({ event }) => event)).toEqual(['start', 'end'])
    expect(getCall[1]!.message).toHaveProperty('result')
    await cache.close()
  })

  it('a start subscriber that sets within runs the loader inside its own async context', async () => {
    const context = new AsyncLocalStorage<string>()
    // The `start` event of the loader's tracing channel, as diagnostics_channel names it.
    const start = 'tracing:strata:cache:loader:start'
    const handler = (message: unknown) => {
      ;(message as OperationContext).within = (loader) => context.run('in the loader span', loader)
    }
    subscribe(start, handler)
    stops.push(() => unsubscribe(start, handler))
    const cache = createCache({ store: new TestStore() })
    const seen: (string | undefined)[] = []
    await cache.getOrSet('k', async () => {
      seen.push(context.getStore())
      await new Promise((resolve) => setTimeout(resolve, 1))
      seen.push(context.getStore())
      return 1
    })
    expect(seen).toEqual(['in the loader span', 'in the loader span'])
    expect(context.getStore()).toBeUndefined()
    await cache.close()
  })

  it('publishes nothing while no one subscribes', async () => {
    const cache = createCache({ store: new TestStore() })
    await cache.set('k', 1)
    await cache.get('k')
    const lookups = listen('strata:cache:lookup')
    expect(lookups).toEqual([])
    await cache.close()
  })
})
