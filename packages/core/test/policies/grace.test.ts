import { describe, expect, it } from 'vitest'
import { LoaderTimeoutError } from '../../src/index.js'
import { eventually, latch, usePolicyCaches } from './fixture.js'

describe('grace (stale-while-revalidate, stale-if-error) and loader timeouts', () => {
  const t = usePolicyCaches()

  it('within grace serves the stale value at once and refreshes in the background', async () => {
    const cache = t.cache({ ttl: '1m', grace: '1h' })
    await cache.set('k', 'old')
    t.clock.advance(120_000)
    expect(await cache.get('k')).toBe('old')
    expect(await cache.getOrSet('k', async () => 'new')).toBe('old')
    await eventually(async () => expect(await cache.get('k')).toBe('new'))
    expect(cache.stats().staleHits).toBeGreaterThan(0)
    expect(cache.stats().staleRefreshes).toBe(1)
  })

  it('a failing loader serves stale while grace lasts, and throws after it', async () => {
    const cache = t.cache({ ttl: '1m', grace: '10m' })
    const errors: string[] = []
    cache.on('error', (event) => errors.push(event.operation))
    await cache.set('k', 'old')
    t.clock.advance(5 * 60_000)
    const failing = async (): Promise<string> => {
      throw new Error('source down')
    }
    expect(await cache.getOrSet('k', failing, { timeout: { soft: '1s' } })).toBe('old')
    await eventually(() => expect(errors).toContain('refresh'))
    t.clock.advance(10 * 60_000)
    await expect(cache.getOrSet('k', failing)).rejects.toThrow('source down')
  })

  it('soft timeout: serves stale when the loader is slower, and caches its value later', async () => {
    const cache = t.cache({ ttl: '1m', grace: '1h' })
    await cache.set('k', 'old')
    t.clock.advance(120_000)
    const gate = latch()
    const result = await cache.getOrSet('k', () => gate.promise.then(() => 'new'), {
      timeout: { soft: 30 },
    })
    expect(result).toBe('old')
    expect(cache.stats().timeouts).toBe(1)
    gate.open()
    await eventually(async () => expect(await cache.get('k')).toBe('new'))
  })

  it('soft timeout: a loader faster than it wins over the stale value', async () => {
    const cache = t.cache({ ttl: '1m', grace: '1h' })
    await cache.set('k', 'old')
    t.clock.advance(120_000)
    expect(await cache.getOrSet('k', async () => 'new', { timeout: { soft: '5s' } })).toBe('new')
  })

  it('hard timeout without a stale value throws LoaderTimeoutError; the value is still cached', async () => {
    const cache = t.cache()
    const gate = latch()
    const pending = cache.getOrSet('k', () => gate.promise.then(() => 'late'), {
      timeout: { hard: 30 },
    })
    await expect(pending).rejects.toBeInstanceOf(LoaderTimeoutError)
    gate.open()
    await eventually(async () => expect(await cache.get('k')).toBe('late'))
  })

  it('hard timeout with a stale value serves stale', async () => {
    const cache = t.cache({ ttl: '1m', grace: '1h' })
    await cache.set('k', 'old')
    t.clock.advance(120_000)
    const gate = latch()
    const result = await cache.getOrSet('k', () => gate.promise.then(() => 'new'), {
      timeout: { soft: '10s', hard: 30 },
    })
    expect(result).toBe('old')
    gate.open()
  })

  it('past grace the entry is a miss; at the TTL it is stale, not fresh', async () => {
    const cache = t.cache({ ttl: '1m', grace: '1m' })
    await cache.set('k', 'old')
    t.clock.advance(59_999)
    expect(await cache.get('k')).toBe('old')
    expect(cache.stats().hits).toBe(1)
    t.clock.advance(1)
    expect(await cache.get('k')).toBe('old')
    expect(cache.stats().staleHits).toBe(1)
    t.clock.advance(60_000)
    expect(await cache.get('k')).toBeUndefined()
  })

  it('the store keeps an entry for its TTL plus grace, never less', async () => {
    const cache = t.cache({ ttl: '1m', grace: '1h' })
    await cache.set('k', 'v')
    const [stored] = [...t.store.records.values()]
    expect(stored!.expiresAt - Date.now()).toBeGreaterThan(61 * 60_000 - 1_000)
  })
})
