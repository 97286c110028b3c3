/**
 * One hot-path case run `count` times, for instruction counting under valgrind (see
 * ../instructions.ts): `node instructions/hot-path-case.js <case> <count> [core module]`. The
 * optional third argument loads `createCache` from another build of core (a before/after
 * comparison of two checkouts).
 */
import { memoryStore } from '@strata/cache-memory'

const [caseName, countText, coreModule = '@strata/cache-core'] = process.argv.slice(2)
const count = Number(countText)
const { createCache } = (await import(coreModule)) as typeof import('@strata/cache-core')

const KEYS = 1_000
const keys = Array.from({ length: KEYS }, (_, i) => `user:${i}`)
const value = { id: 1, name: 'Ada', roles: ['admin'] }
const cache = createCache({ store: memoryStore({ max: 10_000 }), ttl: '1h' })
for (const key of keys) await cache.set(key, value)
const loader = async () => value

const cases: Record<string, (i: number) => Promise<unknown>> = {
  'memory get hit': (i) => cache.get(keys[i % KEYS]!),
  'memory getOrSet hit': (i) => cache.getOrSet(keys[i % KEYS]!, loader),
  'memory set': (i) => cache.set(keys[i % KEYS]!, value),
}
const run = cases[caseName!]
if (!run || !Number.isInteger(count)) {
  console.error(`usage: hot-path-case <${Object.keys(cases).join('|')}> <count> [core module]`)
  process.exit(2)
}
for (let i = 0; i < count; i++) await run(i)
await cache.close()
