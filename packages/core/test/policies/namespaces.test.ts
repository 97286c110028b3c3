import { describe, expect, it } from 'vitest'
import { usePolicyCaches } from './fixture.js'

describe('namespaces, versions and scopes', () => {
  const t = usePolicyCaches()

  it('keeps one key apart in different namespaces', async () => {
    const cache = t.cache()
    await cache.namespace('users').set('1', 'user')
    await cache.namespace('posts').set('1', 'post')
    expect(await cache.namespace('users').get('1')).toBe('user')
    expect(await cache.namespace('posts').get('1')).toBe('post')
    expect(await cache.get('1')).toBeUndefined()
  })

  it('a new namespace version retires the old keys; so does a new root version', async () => {
    const cache = t.cache()
    await cache.namespace('users', { version: 1 }).set('1', 'old')
    expect(await cache.namespace('users', { version: 2 }).get('1')).toBeUndefined()
    expect(await cache.namespace('users', { version: 1 }).get('1')).toBe('old')
    const v1 = t.cache({ namespace: 'app', version: 1 })
    await v1.set('k', 'v1')
    expect(await t.cache({ namespace: 'app', version: 2 }).get('k')).toBeUndefined()
  })

  it('scope attribute order does not matter, values do; undefined attributes are left out', async () => {
    const cache = t.cache()
    await cache.scope({ tenant: 't1', role: 'admin', locale: 'en' }).set('menu', 'admin-en')
    expect(await cache.scope({ locale: 'en', role: 'admin', tenant: 't1' }).get('menu')).toBe(
      'admin-en',
    )
    expect(
      await cache.scope({ tenant: 't1', role: 'user', locale: 'en' }).get('menu'),
    ).toBeUndefined()
    expect(await cache.scope({ tenant: 't1' }).get('menu')).toBeUndefined()
    expect(
      await cache
        .scope({ tenant: 't1', role: 'admin', locale: 'en', region: undefined })
        .get('menu'),
    ).toBe('admin-en')
  })

  it('namespaces and scopes share the root cache counters and events', async () => {
    const cache = t.cache()
    const hits: string[] = []
    cache.on('hit', (event) => hits.push(event.key))
    await cache.scope({ tenant: 'a' }).set('k', 1)
    await cache.scope({ tenant: 'a' }).get('k')
    await cache.namespace('n').get('absent')
    expect(hits).toEqual(['k'])
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1 })
  })
})
