/**
 * @strata/cache-memcached against raw memjs on the same memcached server, in the same run:
 * get (hit) and set, one call in flight and 100 in flight. Run after a build with
 * `node benchmarks/dist/memcached.js`; it starts its own server with test-servers and takes
 * about a minute.
 */
import { memcachedStore } from '@strata/cache-memcached'
import memjs from 'memjs'
import { startMemcached } from 'test-servers'
import { Bench } from 'tinybench'

const ROUNDS = 5
const TASK_TIME_MS = 1000
const WARMUP_MS = 200
const KEYS = 1000
const VALUE = Buffer.alloc(512, 'v')
const TTL_MS = 60_000

interface Contender {
  readonly name: 'raw memjs' | 'strata'
  get(key: string): Promise<unknown>
  set(key: string, value: Buffer): Promise<unknown>
}

interface Scenario {
  readonly name: string
  readonly inFlight: number
  run(contender: Contender, next: () => string): Promise<unknown>
}

const scenarios: Scenario[] = [1, 100].flatMap((inFlight) => [
  {
    name: `get hit, ${inFlight} in flight`,
    inFlight,
    run: (contender, next) => batch(inFlight, () => contender.get(next())),
  },
  {
    name: `set 512 B, ${inFlight} in flight`,
    inFlight,
    run: (contender, next) => batch(inFlight, () => contender.set(next(), VALUE)),
  },
])

function batch(size: number, call: () => Promise<unknown>): Promise<unknown> {
  if (size === 1) return call()
  const calls: Promise<unknown>[] = []
  for (let i = 0; i < size; i++) calls.push(call())
  return Promise.all(calls)
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function main(): Promise<void> {
  const memcached = await startMemcached()
  const silent = { log(): void {} }
  const raw = memjs.Client.create(memcached.url, { logger: silent })
  const store = memcachedStore({ servers: [memcached.url] })
  const contenders: Contender[] = [
    {
      name: 'raw memjs',
      get: (key) => raw.get(key),
      set: (key, value) => raw.set(key, value, { expires: TTL_MS / 1000 }),
    },
    {
      name: 'strata',
      get: (key) => store.get(key),
      set: (key, value) => store.set(key, value, TTL_MS),
    },
  ]
  try {
    const keys = Array.from({ length: KEYS }, (_, i) => `bench:key:${i}`)
    await Promise.all(keys.map((key) => raw.set(key, VALUE, { expires: 600 })))
    let cursor = 0
    const next = () => keys[cursor++ % KEYS] as string

    const opsPerSecond = new Map<string, number[]>()
    const cpuPerOp = new Map<string, number[]>()
    const record = (map: Map<string, number[]>, name: string, value: number) =>
      map.set(name, [...(map.get(name) ?? []), value])
    // Rounds alternate the contenders so drift on the machine affects both alike. Client CPU time
    // per call is measured too: on a shared machine it is steadier than wall-clock throughput.
    for (let round = 0; round < ROUNDS; round++) {
      for (const scenario of scenarios) {
        const order = round % 2 === 0 ? contenders : [...contenders].reverse()
        for (const contender of order) {
          const name = `${scenario.name}|${contender.name}`
          const warmUntil = performance.now() + WARMUP_MS
          while (performance.now() < warmUntil) await scenario.run(contender, next)
          const bench = new Bench({ time: TASK_TIME_MS, warmup: false })
          bench.add(name, () => scenario.run(contender, next))
          const cpuBefore = process.cpuUsage()
          const [task] = await bench.run()
          const cpu = process.cpuUsage(cpuBefore)
          if (!task?.result || task.result.error) {
            throw new Error(`benchmark task ${name} failed`, { cause: task?.result?.error })
          }
          const calls = task.runs * scenario.inFlight
          record(opsPerSecond, name, task.result.throughput.mean * scenario.inFlight)
          record(cpuPerOp, name, (cpu.user + cpu.system) / calls)
        }
      }
    }

    const rows = scenarios.map((scenario) => {
      const rawOps = median(opsPerSecond.get(`${scenario.name}|raw memjs`) ?? [])
      const strataOps = median(opsPerSecond.get(`${scenario.name}|strata`) ?? [])
      const rawCpu = median(cpuPerOp.get(`${scenario.name}|raw memjs`) ?? [])
      const strataCpu = median(cpuPerOp.get(`${scenario.name}|strata`) ?? [])
      return {
        scenario: scenario.name,
        'raw memjs ops/s': Math.round(rawOps),
        'strata ops/s': Math.round(strataOps),
        'ratio strata/raw': Number((strataOps / rawOps).toFixed(3)),
        'raw CPU µs/call': Number(rawCpu.toFixed(1)),
        'strata CPU µs/call': Number(strataCpu.toFixed(1)),
      }
    })
    console.log(
      `memcached benchmark: Node ${process.version}, ${ROUNDS} rounds of ${TASK_TIME_MS} ms per task, medians`,
    )
    console.table(rows)
  } finally {
    raw.close()
    await store.close()
    await memcached.stop()
  }
}

await main()
