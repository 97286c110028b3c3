import { describe, expect, it } from 'vitest'
import { AdapterMissingError, createCache, InvalidOptionError } from '../src/index.js'
import { storeFromUrl } from '../src/store-url.js'
import { TestStore } from './test-store.js'

const missing = (specifier: string) =>
  Promise.reject(
    Object.assign(new Error(`Cannot find package '${specifier}'`), {
      code: 'ERR_MODULE_NOT_FOUND',
    }),
  )

describe('stores by URL', () => {
  it('names the package to install when the adapter is missing, without leaking the password', async () => {
    const error = await storeFromUrl('redis://user:secret@127.0.0.1:6379', missing).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(AdapterMissingError)
    expect((error as AdapterMissingError).packageName).toBe('@strata/cache-redis')
    expect((error as Error).message).toContain('npm install @strata/cache-redis')
    expect((error as Error).message).not.toContain('secret')
  })

  it('maps every scheme to its package', async () => {
    const seen: string[] = []
    const importer = async (specifier: string) => {
      seen.push(specifier)
      return { createStoreFromUrl: () => new TestStore() }
    }
    for (const url of [
      'memory://',
      'redis://h',
      'rediss://h',
      'memcached://h',
      'postgres://h',
      'postgresql://h',
    ])
      await storeFromUrl(url, importer)
    expect(seen).toEqual([
      '@strata/cache-memory',
      '@strata/cache-redis',
      '@strata/cache-redis',
      '@strata/cache-memcached',
      '@strata/cache-postgres',
      '@strata/cache-postgres',
    ])
  })

  it('rejects an unknown scheme with a typed error', async () => {
    await expect(storeFromUrl('mongodb://h')).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(storeFromUrl('not a url')).rejects.toBeInstanceOf(InvalidOptionError)
  })

  it('createCache reports a bad store URL on first use', async () => {
    const cache = createCache({ store: 'ftp://nowhere' })
    await expect(cache.get('k')).rejects.toBeInstanceOf(InvalidOptionError)
  })
})
