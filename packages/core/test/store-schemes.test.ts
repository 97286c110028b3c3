import { describe, expect, it } from 'vitest'
import {
  ADAPTER_PACKAGES,
  AdapterMissingError,
  createCache,
  InvalidOptionError,
  registerStoreScheme,
  storeSchemes,
} from '../src/index.js'
import { builtInFactoryForTest, storeFromUrl } from '../src/store/schemes.js'
import { ObjectTestStore, TestStore } from './test-store.js'

const notInstalled = (specifier: string) => () =>
  Promise.reject(
    Object.assign(new Error(`Cannot find package '${specifier}'`), {
      code: 'ERR_MODULE_NOT_FOUND',
    }),
  )

describe('stores by URL', () => {
  it('names the package to install when a built-in adapter is missing, without leaking the password', async () => {
    const factory = builtInFactoryForTest(
      '@strata/cache-redis',
      notInstalled('@strata/cache-redis'),
    )
    const error = await Promise.resolve()
      .then(() => factory('redis://user:secret@127.0.0.1:6379'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AdapterMissingError)
    expect((error as AdapterMissingError).packageName).toBe('@strata/cache-redis')
    expect((error as Error).message).toContain('npm install @strata/cache-redis')
    expect((error as Error).message).not.toContain('secret')
  })

  it('an adapter that fails to load for another reason is not reported as missing', async () => {
    const broken = builtInFactoryForTest('@strata/cache-redis', () =>
      Promise.reject(new SyntaxError('Unexpected token')),
    )
    await expect(Promise.resolve().then(() => broken('redis://h'))).rejects.toBeInstanceOf(
      SyntaxError,
    )
  })

  it('an adapter package without createStoreFromUrl is a typed error', async () => {
    const empty = builtInFactoryForTest('@strata/cache-redis', async () => ({}))
    await expect(Promise.resolve().then(() => empty('redis://h'))).rejects.toThrow(
      /does not export createStoreFromUrl/,
    )
  })

  it('registers every built-in scheme through the registry, each mapped to its package', () => {
    expect(storeSchemes()).toEqual(
      expect.arrayContaining(['memory', 'redis', 'rediss', 'memcached', 'postgres', 'postgresql']),
    )
    expect(ADAPTER_PACKAGES).toEqual({
      'memory:': '@strata/cache-memory',
      'redis:': '@strata/cache-redis',
      'rediss:': '@strata/cache-redis',
      'memcached:': '@strata/cache-memcached',
      'postgres:': '@strata/cache-postgres',
      'postgresql:': '@strata/cache-postgres',
    })
  })

  it('rejects an unknown scheme with a typed error that lists the known ones', async () => {
    await expect(storeFromUrl('mongodb://h')).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(storeFromUrl('mongodb://h')).rejects.toThrow(/redis:\/\//)
    await expect(storeFromUrl('not a url')).rejects.toBeInstanceOf(InvalidOptionError)
  })

  it('createCache reports a bad store URL on first use', async () => {
    const cache = createCache({ store: 'ftp://nowhere' })
    await expect(cache.get('k')).rejects.toBeInstanceOf(InvalidOptionError)
    await cache.close()
  })
})

describe('registerStoreScheme', () => {
  it('a third-party scheme builds its store from the URL, synchronously or not', async () => {
    const urls: string[] = []
    registerStoreScheme('teststore', (url) => {
      urls.push(url)
      return new TestStore()
    })
    registerStoreScheme('asyncstore:', async (url) => {
      urls.push(url)
      return new TestStore()
    })
    for (const url of ['teststore://a?x=1', 'ASYNCSTORE://b']) {
      const cache = createCache({ store: url })
      await cache.set('k', url)
      expect(await cache.get('k')).toBe(url)
      await cache.close()
    }
    expect(urls).toEqual(['teststore://a?x=1', 'ASYNCSTORE://b'])
    expect(storeSchemes()).toEqual(expect.arrayContaining(['teststore', 'asyncstore']))
  })

  it('a store built from a URL closes with its cache', async () => {
    const store = new TestStore()
    registerStoreScheme('closing', () => store)
    const cache = createCache({ store: 'closing://' })
    await cache.set('k', 1)
    await cache.close()
    expect(store.closes).toBe(1)
  })

  it('a store built from a URL that the cache refuses is closed at once', async () => {
    const store = new TestStore()
    registerStoreScheme('refused', () => store)
    // An L1 over a store without a bus needs maxStaleness: this cache refuses the store.
    const cache = createCache({ store: 'refused://', l1: new ObjectTestStore() })
    await expect(cache.get('k')).rejects.toBeInstanceOf(InvalidOptionError)
    expect(store.closes).toBe(1)
    await cache.close()
    expect(store.closes).toBe(1)
  })

  it('rejects a malformed scheme or a factory that is not a function', () => {
    for (const scheme of ['', '1abc', 'has space', 'a/b', 42])
      expect(() => registerStoreScheme(scheme as string, () => new TestStore())).toThrow(
        InvalidOptionError,
      )
    expect(() => registerStoreScheme('fine', 'nope' as never)).toThrow(InvalidOptionError)
  })

  it('a factory that throws surfaces its error at the first call', async () => {
    registerStoreScheme('exploding', () => {
      throw new InvalidOptionError('store', 'missing table name')
    })
    const cache = createCache({ store: 'exploding://' })
    await expect(cache.get('k')).rejects.toThrow('missing table name')
    await cache.close()
  })
})
