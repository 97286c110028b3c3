/**
 * Memory store hit path against raw lru-cache, measured in one run on one machine, on 1,000 keys
 * read in turn and on 100,000 keys read in a fixed random order (a map far larger than the CPU
 * caches). `node benchmarks/dist/memory.js` (after `npm run build`); prints a table and the
 * ratios of each Strata call to raw lru-cache, called synchronously and awaited.
 */
import { createCache } from '@strata/cache-core'
import { memoryStore } from '@strata/cache-memory'
import { LRUCache } from 'lru-cache'
import { Bench } from 'tinybench'
import { cycle, shuffled } from './common/keys.js'

const SIZES = [1_000, 100_000]
const value = { id: 1, name: 'Ada', roles: ['admin'] }
const loader = async () => value

async function measure(size: number): Promise<void> {
  const keys = Array.from({ length: size }, (_, i) => `user:${i}`)
  const raw = new LRUCache<string, object>({ max: size * 2 })
  for (const key of keys) raw.set(key, value, { ttl: 3_600_000 })
  const cache = createCache({ store: memoryStore({ max: size * 2 }), ttl: '1h' })
  for (const key of keys) await cache.set(key, value)
  const nextKey = cycle(size > 1_000 ? shuffled(keys) : keys)

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

  // Calls per second of the time spent in them (1 ÷ mean latency), as the peer comparison.
  const hz = (name: string) => 1_000 / (bench.getTask(name)?.result?.period ?? Number.NaN)
  console.log(`\n${size.toLocaleString('en-US')} keys${size > 1_000 ? ', random order' : ''}`)
  console.table(
    bench.tasks.map((task) => ({
      case: task.name,
      'ops/s': Math.round(hz(task.name)).toLocaleString('en-US'),
      'p99 (µs)': ((task.result?.latency.p99 ?? 0) * 1_000).toFixed(2),
    })),
  )
  for (const name of ['strata cache.get hit', 'strata cache.getOrSet hit']) {
    console.log(
      `${name}: ${(hz(name) / hz('raw lru-cache get (sync)')).toFixed(2)}x raw sync get, ` +
        `${(hz(name) / hz('raw lru-cache get (awaited)')).toFixed(2)}x raw awaited get`,
    )
  }
  await cache.close()
}

for (const size of SIZES) await measure(size)
console.log(`node ${process.version}, ${process.platform} ${process.arch}`)
