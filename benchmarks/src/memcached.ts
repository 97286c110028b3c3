/**
 * @strata/cache-memcached against raw memjs on the same memcached server, in the same run:
 * get (hit) and set of 512 B, one call in flight and 100 in flight. Run after a build with
 * `node benchmarks/dist/memcached.js`; it starts its own server with test-servers and takes
 * about half a minute.
 */
import { memcachedStore } from '@strata/cache-memcached'
import memjs from 'memjs'
import { startMemcached } from 'test-servers'
import {
  benchKeys,
  compareWithRaw,
  getHit,
  RECORD_512B,
  set512B,
  storeContender,
} from './common/raw-comparison.js'

const KEYS = 1000
const TTL_MS = 60_000

const memcached = await startMemcached()
const raw = memjs.Client.create(memcached.url, { logger: { log() {} } })
const store = memcachedStore({ servers: [memcached.url] })
try {
  const keys = benchKeys(KEYS)
  await Promise.all(keys.map((key) => raw.set(key, RECORD_512B, { expires: 600 })))
  await compareWithRaw({
    title: 'memcached benchmark',
    keys,
    contenders: [
      {
        name: 'raw memjs',
        get: (key) => raw.get(key),
        set: (key) => raw.set(key, RECORD_512B, { expires: TTL_MS / 1000 }),
      },
      storeContender('strata store', store, TTL_MS),
    ],
    scenarios: [1, 100].flatMap((count) => [getHit('get hit', count), set512B(count)]),
  })
} finally {
  raw.close()
  await store.close()
  await memcached.stop()
}
