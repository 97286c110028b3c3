/**
 * One Memcached get-hit case run `count` times, one call in flight, for instruction counting
 * under valgrind (see ../instructions.ts): `MEMCACHED_URL=… node
 * instructions/memcached-case.js <case> <count> [core module]`. Every case reads one filled key
 * 2,000 times first, so that the code is warm before the counted calls.
 */
import KeyvMemcache from '@keyv/memcache'
import { memcachedStore } from '@strata/cache-memcached'
import { createCache as createCacheManager } from 'cache-manager'
import Keyv from 'keyv'
import memjs from 'memjs'
import { SAMPLE_VALUE } from '../peers/contender.js'

const [caseName, countText, coreModule = '@strata/cache-core'] = process.argv.slice(2)
const count = Number(countText)
const url = process.env.MEMCACHED_URL
const { createCache } = (await import(coreModule)) as typeof import('@strata/cache-core')
const HOUR_MS = 3_600_000

type Case = () => Promise<{ get(): Promise<unknown>; close(): Promise<unknown> }>

const strata =
  (clearable: boolean): Case =>
  async () => {
    const cache = createCache({ store: memcachedStore({ servers: [url!] }), ttl: '1h', clearable })
    await cache.set('k', SAMPLE_VALUE)
    return { get: () => cache.get('k'), close: () => cache.close() }
  }

const cases: Record<string, Case> = {
  'raw memjs get (JSON)': async () => {
    const raw = memjs.Client.create(url!, { logger: { log() {} } })
    await raw.set('raw:k', JSON.stringify(SAMPLE_VALUE), { expires: HOUR_MS / 1_000 })
    return {
      get: async () => JSON.parse(String((await raw.get('raw:k')).value)),
      close: async () => raw.close(),
    }
  },
  'memcached get hit': strata(true),
  'memcached get hit (clearable: false)': strata(false),
  'keyv get': async () => {
    const keyv = new Keyv({ store: new KeyvMemcache(url!), ttl: HOUR_MS })
    await keyv.set('k', SAMPLE_VALUE)
    return { get: () => keyv.get('k'), close: () => keyv.disconnect() }
  },
  'cache-manager get': async () => {
    const keyv = new Keyv({ store: new KeyvMemcache(url!), namespace: 'cache-manager' })
    const cache = createCacheManager({ stores: [keyv], ttl: HOUR_MS })
    await cache.set('k', SAMPLE_VALUE)
    return { get: () => cache.get('k'), close: () => cache.disconnect() }
  },
}

const setUp = cases[caseName!]
if (!setUp || !Number.isInteger(count) || !url) {
  console.error(
    `usage: MEMCACHED_URL=… memcached-case <${Object.keys(cases).join('|')}> <count> [core module]`,
  )
  process.exit(2)
}
const { get, close } = await setUp()
for (let i = 0; i < 2_000; i++) await get()
for (let i = 0; i < count; i++) await get()
await close()
// @keyv/memcache's disconnect leaves memjs's socket open, which would keep the process alive.
process.exit(0)
