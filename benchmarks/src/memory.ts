/**
 * Memory store hit path against raw lru-cache, measured in one run on one machine.
 * `node benchmarks/dist/memory.js` (after `npm run build`); prints a table and the ratios.
 */
import { createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { LRUCache } from 'lru-cache'
import { Bench } from 'tinybench'

const KEYS = 1_000
const keys = Array.from({ length: KEYS }, (_, i) => `user:${i}`)
const value = { id: 1, name: 'Ada', roles: ['admin'] }

const raw = new LRUCache<string, object>({ max: 10_000 })
for (const key of keys) raw.set(key, value, { ttl: 3_600_000 })

const store = memoryStore({ max: 10_000 })
const cache = createCache({ store, ttl: '1h' })
for (const key of keys) await cache.set(key, value)
const loader = async () => value

let i = 0
const nextKey = () => keys[i++ % KEYS]!

const bench = new Bench({ time: 1_500, warmup: true })
bench
  .add('raw lru-cache get (sync)', () => {
    raw.get(nextKey())
  })
  .add('raw lru-cache get (awaited)', async () => {
    await raw.get(nextKey())
  })
  .add('strata cache.get hit', async () => {
    await cache.get(nextKey())
  })
  .add('strata cache.getOrSet hit', async () => {
    await cache.getOrSet(nextKey(), loader)
  })

await bench.run()

const hz = (name: string) =>
  bench.tasks.find((task) => task.name === name)?.result?.throughput.mean ?? Number.NaN
const rows = bench.tasks.map((task) => ({
  case: task.name,
  'ops/s': Math.round(task.result?.throughput.mean ?? 0).toLocaleString('en-US'),
  'p99 (µs)': ((task.result?.latency.p99 ?? 0) * 1_000).toFixed(2),
}))
console.table(rows)
for (const name of ['strata cache.get hit', 'strata cache.getOrSet hit']) {
  console.log(
    `${name}: ${(hz(name) / hz('raw lru-cache get (sync)')).toFixed(2)}x raw sync get, ` +
      `${(hz(name) / hz('raw lru-cache get (awaited)')).toFixed(2)}x raw awaited get`,
  )
}
console.log(`node ${process.version}, ${process.platform} ${process.arch}`)
await cache.close()
