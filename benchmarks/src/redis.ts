/**
 * @strata/cache-redis against raw ioredis on the same Redis, in the same run: get (hit) and
 * getMany of 10 keys, one call in flight and 100 in flight, through the store and through
 * core's Cache (which adds key building, an envelope, JSON decoding and tag checks). Run after a build with
 * `node benchmarks/dist/redis.js`; it starts its own Redis with test-servers and takes about a
 * minute.
 */
import { createCache } from '@strata/cache-core'
import { FAIL_FAST_OPTIONS, redisStore } from '@strata/cache-redis'
import { Redis } from 'ioredis'
import { startRedis } from 'test-servers'
import { Bench } from 'tinybench'

const ROUNDS = 3
const TASK_TIME_MS = 1000
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

/**
 * Client CPU time (user + system) per call of `scenario`, over `batches` runs: steadier than
 * wall-clock throughput on a busy machine, since it does not count time spent waiting.
 */
async function cpuMicrosPerCall(
  scenario: Scenario,
  contender: Contender,
  next: () => string,
  batches: number,
): Promise<number> {
  const before = process.cpuUsage()
  for (let i = 0; i < batches; i++) await scenario.run(contender, next)
  const used = process.cpuUsage(before)
  return (used.user + used.system) / (batches * scenario.inFlight)
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function main(): Promise<void> {
  const redis = await startRedis()
  const raw = new Redis(redis.url)
  // The same connection settings as the store's: what the adapter layer itself costs.
  const rawFailFast = new Redis(redis.url, { ...FAIL_FAST_OPTIONS, enableOfflineQueue: true })
  const store = redisStore({ url: redis.url })
  const cacheStore = redisStore({ url: redis.url })
  const cache = createCache({ store: cacheStore, ttl: '10m', earlyExpiration: false })
  const contenders: Contender[] = [
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
  ]
  const [baseline] = contenders
  try {
    const keys = Array.from({ length: KEYS }, (_, i) => `bench:key:${i}`)
    await store.setMany(keys.map((key) => ({ key, record: VALUE, ttlMs: 600_000 })))
    // The Cache reads its own entries (an envelope around a 512-character string).
    await cache.setMany(keys.map((key) => ({ key, value: VALUE.toString() })))
    let cursor = 0
    const next = () => keys[cursor++ % KEYS] as string

    const opsPerSecond = new Map<string, number[]>()
    // Rounds alternate the contenders so drift on the machine affects all alike.
    for (let round = 0; round < ROUNDS; round++) {
      const bench = new Bench({ time: TASK_TIME_MS, warmupTime: 200 })
      for (const scenario of scenarios) {
        const order = round % 2 === 0 ? contenders : [...contenders].reverse()
        for (const contender of order) {
          bench.add(`${scenario.name}|${contender.name}`, () => scenario.run(contender, next))
        }
      }
      await bench.run()
      for (const task of bench.tasks) {
        const scenario = scenarios.find((s) => task.name.startsWith(`${s.name}|`))
        if (!task.result || task.result.error || !scenario) {
          throw new Error(`benchmark task ${task.name} failed`, { cause: task.result?.error })
        }
        const list = opsPerSecond.get(task.name) ?? []
        list.push(task.result.throughput.mean * scenario.inFlight)
        opsPerSecond.set(task.name, list)
      }
    }

    const cpu = new Map<string, number[]>()
    for (const scenario of scenarios) {
      for (const contender of contenders) await cpuMicrosPerCall(scenario, contender, next, 50)
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const scenario of scenarios) {
        for (const contender of round % 2 === 0 ? contenders : [...contenders].reverse()) {
          const batches = scenario.inFlight === 1 ? 3000 : 60
          const list = cpu.get(`${scenario.name}|${contender.name}`) ?? []
          list.push(await cpuMicrosPerCall(scenario, contender, next, batches))
          cpu.set(`${scenario.name}|${contender.name}`, list)
        }
      }
    }

    const rows = scenarios.map((scenario) => {
      const rawOps = median(opsPerSecond.get(`${scenario.name}|${baseline!.name}`) ?? [])
      const row: Record<string, string | number> = { scenario: scenario.name }
      for (const contender of contenders) {
        const ops = median(opsPerSecond.get(`${scenario.name}|${contender.name}`) ?? [])
        row[`${contender.name} ops/s`] = Math.round(ops)
        if (contender !== baseline) row[`${contender.name}/raw`] = Number((ops / rawOps).toFixed(3))
      }
      return row
    })
    const cpuRows = scenarios.map((scenario) => {
      const row: Record<string, string | number> = { scenario: scenario.name }
      for (const contender of contenders) {
        const micros = median(cpu.get(`${scenario.name}|${contender.name}`) ?? [])
        row[`${contender.name} CPU µs/call`] = Number(micros.toFixed(1))
      }
      return row
    })
    console.log(
      `redis benchmark: Node ${process.version}, ${ROUNDS} rounds of ${TASK_TIME_MS} ms, median ops/s (calls, not keys)`,
    )
    console.table(rows)
    console.log('client CPU time per call (user + system), median of the rounds')
    console.table(cpuRows)
  } finally {
    raw.disconnect()
    rawFailFast.disconnect()
    await store.close()
    await cache.close()
    await cacheStore.close()
    await redis.stop()
  }
}

await main()
