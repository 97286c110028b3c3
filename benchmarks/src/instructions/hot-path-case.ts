/**
 * One hot-path case run `count` times, for instruction counting under valgrind (see
 * ../instructions.ts): `node instructions/hot-path-case.js <case> <count> [core module]`. The
 * optional third argument loads `createCache` from another build of core (a before/after
 * comparison of two checkouts). `OTEL=imported|instrumented|recording` adds `@strata/cache-otel`
 * (see ./otel-setup.ts).
 */
import { memoryStore } from '@strata/cache-memory'
import { LRUCache } from 'lru-cache'

const [caseName, countText, coreModule = '@strata/cache-core'] = process.argv.slice(2)
const count = Number(countText)
const { createCache } = (await import(coreModule)) as typeof import('@strata/cache-core')
if (process.env.OTEL) await (await import('./otel-setup.js')).setUpOtel(process.env.OTEL)

// KEYS=100000 reads keys in a shuffled order over a large set, as the 100,000-key benchmark.
const KEYS = Number(process.env.KEYS ?? 1_000)
const keys = Array.from({ length: KEYS }, (_, i) => `user:${i}`)
const order = Array.from({ length: KEYS }, (_, i) => i)
let seed = 42
for (let i = order.length - 1; i > 0; i--) {
  seed = (seed * 16807) % 2147483647
  const j = seed % (i + 1)
  ;[order[i], order[j]] = [order[j]!, order[i]!]
}
const keyAt = (i: number) => keys[order[i % KEYS]!]!
const value = { id: 1, name: 'Ada', roles: ['admin'] }
const cache = createCache({ store: memoryStore({ max: KEYS * 2 }), ttl: '1h' })
for (const key of keys) await cache.set(key, value)
const raw = new LRUCache<string, object>({ max: KEYS * 2 })
for (const key of keys) raw.set(key, value, { ttl: 3_600_000 })
const loader = async () => value

const cases: Record<string, (i: number) => Promise<unknown>> = {
  'raw lru-cache get (awaited)': async (i) => raw.get(keyAt(i)),
  'raw lru-cache set (awaited)': async (i) => raw.set(keyAt(i), value, { ttl: 3_600_000 }),
  'memory get hit': (i) => cache.get(keyAt(i)),
  'memory getOrSet hit': (i) => cache.getOrSet(keyAt(i), loader),
  'memory set': (i) => cache.set(keyAt(i), value),
}
const run = cases[caseName!]
if (!run || !Number.isInteger(count)) {
  console.error(`usage: hot-path-case <${Object.keys(cases).join('|')}> <count> [core module]`)
  process.exit(2)
}
for (let i = 0; i < count; i++) await run(i)
await cache.close()
