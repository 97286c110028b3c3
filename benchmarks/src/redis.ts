/**
 * @strata/cache-redis against raw ioredis on the same Redis, in the same run: get (hit) and
 * getMany of 10 keys, one call in flight and 100 in flight, through the store and through
 * core's Cache (which adds key building, an envelope, JSON decoding and tag checks). Run after
 * a build with `node benchmarks/dist/redis.js` (standalone) or `node benchmarks/dist/redis.js
 * cluster` (a 3-master Cluster); it starts its own servers with test-servers and takes about
 * a minute.
 */
import { createCache } from '@strata/cache-core'
import { FAIL_FAST_OPTIONS, redisStore } from '@strata/cache-redis'
import { Cluster, Redis } from 'ioredis'
import { startRedis, startRedisCluster } from 'test-servers'

/** Each contender runs a scenario in short slices, taking turns, so drift hits all alike. */
const SLICE_MS = 40
const SLICES = 60
const WARM_UP_SLICES = 5
const KEYS = 1000
const MANY = 10
const VALUE = Buffer.alloc(512, 'v')

interface Contender {
  readonly name: string
  get(key: string): Promise<unknown>
  getMany(keys: string[]): Promise<unknown>
}

interface Scenario {
  readonly name: string
  readonly inFlight: number
  run(contender: Contender, next: () => string): Promise<unknown>
}

const scenarios: Scenario[] = [1, 100].flatMap((inFlight) => [
  {
    name: `get hit 512 B, ${inFlight} in flight`,
    inFlight,
    run: (contender, next) => batch(inFlight, () => contender.get(next())),
  },
  {
    name: `getMany ${MANY} hits, ${inFlight} in flight`,
    inFlight,
    run: (contender, next) =>
      batch(inFlight, () => contender.getMany(Array.from({ length: MANY }, next))),
  },
])

function batch(size: number, call: () => Promise<unknown>): Promise<unknown> {
  if (size === 1) return call()
  const calls: Promise<unknown>[] = []
  for (let i = 0; i < size; i++) calls.push(call())
  return Promise.all(calls)
}

/** What one slice measured. */
interface Sample {
  readonly calls: number
  readonly ms: number
  /** Client CPU time (user + system) in µs: steadier than wall-clock time on a busy machine. */
  readonly cpuMicros: number
}

async function slice(
  scenario: Scenario,
  contender: Contender,
  next: () => string,
): Promise<Sample> {
  const cpu = process.cpuUsage()
  const started = performance.now()
  let calls = 0
  do {
    await scenario.run(contender, next)
    calls += scenario.inFlight
  } while (performance.now() - started < SLICE_MS)
  const used = process.cpuUsage(cpu)
  return { calls, ms: performance.now() - started, cpuMicros: used.user + used.system }
}

/** One result row: throughput, median per-turn ratio to the baseline, CPU per call. */
async function measure(
  scenario: Scenario,
  contenders: readonly Contender[],
  next: () => string,
): Promise<Record<string, string | number>> {
  for (let i = 0; i < WARM_UP_SLICES; i++) {
    for (const contender of contenders) await slice(scenario, contender, next)
  }
  const samples = contenders.map(() => [] as Sample[])
  for (let turn = 0; turn < SLICES; turn++) {
    // Rotate who goes first, so no contender always follows the same one.
    for (let i = 0; i < contenders.length; i++) {
      const index = (i + turn) % contenders.length
      samples[index]!.push(await slice(scenario, contenders[index]!, next))
    }
  }
  const rate = (sample: Sample) => (sample.calls / sample.ms) * 1000
  const row: Record<string, string | number> = { scenario: scenario.name }
  contenders.forEach((contender, index) => {
    const mine = samples[index]!
    const calls = mine.reduce((sum, sample) => sum + sample.calls, 0)
    const ms = mine.reduce((sum, sample) => sum + sample.ms, 0)
    const cpu = mine.reduce((sum, sample) => sum + sample.cpuMicros, 0)
    row[`${contender.name} ops/s`] = Math.round((calls / ms) * 1000)
    if (index > 0) {
      const ratios = mine.map((sample, turn) => rate(sample) / rate(samples[0]![turn]!))
      row[`${contender.name}/raw`] = Number(median(ratios).toFixed(3))
    }
    row[`${contender.name} CPU µs/call`] = Number((cpu / calls).toFixed(1))
  })
  return row
}

function pick(
  row: Record<string, string | number>,
  keep: (name: string) => boolean,
): Record<string, string | number> {
  return Object.fromEntries(Object.entries(row).filter(([name]) => keep(name)))
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

/** The contenders of one run and the server they share. */
interface Setup {
  readonly label: string
  readonly contenders: Contender[]
  /** Writes `VALUE` under every key, for the raw clients and the store, and the Cache's entries. */
  seed(keys: string[]): Promise<void>
  close(): Promise<void>
}

async function standalone(): Promise<Setup> {
  const redis = await startRedis()
  const raw = new Redis(redis.url)
  // The same connection settings as the store's: what the adapter layer itself costs.
  const rawFailFast = new Redis(redis.url, { ...FAIL_FAST_OPTIONS, enableOfflineQueue: true })
  const store = redisStore({ url: redis.url })
  const cacheStore = redisStore({ url: redis.url })
  const cache = createCache({ store: cacheStore, ttl: '10m', earlyExpiration: false })
  return {
    label: 'standalone Redis',
    contenders: [
      {
        name: 'raw ioredis',
        get: (key) => raw.getBuffer(key),
        getMany: (keys) => raw.mgetBuffer(keys),
      },
      {
        name: 'raw ioredis, fail-fast options',
        get: (key) => rawFailFast.getBuffer(key),
        getMany: (keys) => rawFailFast.mgetBuffer(keys),
      },
      {
        name: 'strata store',
        get: (key) => store.get(key),
        getMany: (keys) => store.getMany(keys),
      },
      {
        name: 'strata Cache',
        get: (key) => cache.get(key),
        getMany: (keys) => cache.getMany(keys),
      },
    ],
    async seed(keys) {
      await store.setMany(keys.map((key) => ({ key, record: VALUE, ttlMs: 600_000 })))
      // The Cache reads its own entries (an envelope around a 512-character string).
      await cache.setMany(keys.map((key) => ({ key, value: VALUE.toString() })))
    },
    async close() {
      raw.disconnect()
      rawFailFast.disconnect()
      await store.close()
      await cache.close()
      await cacheStore.close()
      await redis.stop()
    },
  }
}

async function cluster(): Promise<Setup> {
  const redis = await startRedisCluster({ masters: 3 })
  const nodes = [...redis.nodes]
  const raw = new Cluster(nodes)
  const store = redisStore({ cluster: { nodes } })
  const cacheStore = redisStore({ cluster: { nodes } })
  const cache = createCache({ store: cacheStore, ttl: '10m', earlyExpiration: false })
  return {
    label: '3-master Redis Cluster',
    contenders: [
      {
        // MGET across slots raises CROSSSLOT: a raw client reads the keys one by one.
        name: 'raw ioredis Cluster',
        get: (key) => raw.getBuffer(key),
        getMany: (keys) => Promise.all(keys.map((key) => raw.getBuffer(key))),
      },
      {
        name: 'strata store',
        get: (key) => store.get(key),
        getMany: (keys) => store.getMany(keys),
      },
      {
        name: 'strata Cache',
        get: (key) => cache.get(key),
        getMany: (keys) => cache.getMany(keys),
      },
    ],
    async seed(keys) {
      await store.setMany(keys.map((key) => ({ key, record: VALUE, ttlMs: 600_000 })))
      await cache.setMany(keys.map((key) => ({ key, value: VALUE.toString() })))
    },
    async close() {
      raw.disconnect()
      await store.close()
      await cache.close()
      await cacheStore.close()
      await redis.stop()
    },
  }
}

async function main(): Promise<void> {
  const setup = process.argv[2] === 'cluster' ? await cluster() : await standalone()
  try {
    const keys = Array.from({ length: KEYS }, (_, i) => `bench:key:${i}`)
    await setup.seed(keys)
    let cursor = 0
    const next = () => keys[cursor++ % KEYS] as string

    const rows = []
    for (const scenario of scenarios) rows.push(await measure(scenario, setup.contenders, next))
    console.log(
      `redis benchmark (${setup.label}): Node ${process.version}; ${SLICES} turns of ${SLICE_MS} ms ` +
        'slices per contender; ops/s counts calls, not keys; /raw is the median per-turn ratio',
    )
    console.table(rows.map((row) => pick(row, (name) => !name.includes('CPU'))))
    console.log('client CPU time per call (user + system)')
    console.table(
      rows.map((row) => pick(row, (name) => name === 'scenario' || name.includes('CPU'))),
    )
  } finally {
    await setup.close()
  }
}

await main()
