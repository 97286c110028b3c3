/**
 * Entry point of one soak worker process (forked by the harness with `--expose-gc`). It builds
 * its cache with the backend's fixture module, runs the workload in several lanes, sends its log
 * over IPC, measures its heap at quiet moments, and reports anything unhandled.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { sharedNow } from './history.js'
import {
  type CreateSoakCache,
  describeError,
  EXIT_MARK,
  type FromWorker,
  type SoakCache,
  type ToWorker,
  type WorkerConfig,
} from './protocol.js'
import { Recorder } from './recorder.js'
import { between, nextOp, probeTag, seededRandom } from './workload.js'

function send(message: FromWorker): void {
  // The channel closes when the harness goes away; nothing is left to report to then.
  if (process.connected) process.send?.(message)
}

process.on('unhandledRejection', (reason) => {
  send({ type: 'fatal', kind: 'unhandledRejection', message: describeError(reason) })
})
process.on('uncaughtException', (error) => {
  send({ type: 'fatal', kind: 'uncaughtException', message: describeError(error) })
})
process.on('warning', (warning) => {
  send({ type: 'warning', message: `${warning.name}: ${warning.message}` })
})

/** The workload's lanes, which can be parked (for a heap measurement) and stopped. */
class Lanes {
  #stopping = false
  #parked = 0
  #gate: { promise: Promise<void>; open: () => void } | undefined
  #allParked: (() => void) | undefined
  readonly #running: Promise<void>[] = []

  constructor(
    private readonly recorder: Recorder,
    private readonly config: WorkerConfig,
  ) {}

  /** The workload's lanes, and the probe lane when the workload has probes. */
  get #count(): number {
    return this.config.workload.lanes + (this.config.workload.probeEveryMs ? 1 : 0)
  }

  start(): void {
    for (let lane = 0; lane < this.config.workload.lanes; lane++)
      this.#running.push(this.#lane(lane))
    const probeEveryMs = this.config.workload.probeEveryMs
    if (probeEveryMs) this.#running.push(this.#probes(probeEveryMs))
  }

  async #lane(lane: number): Promise<void> {
    const { workload, index } = this.config
    const random = seededRandom(workload.seed * 1_000_003 + index * 101 + lane)
    while (!this.#stopping) {
      if (await this.#parkIfAsked()) continue
      await this.recorder.run(nextOp(workload, random))
      await sleep(between(random, workload.pauseMs))
    }
  }

  /** Invalidates a tag of this worker's own every `everyMs`, for the bus delivery figures. */
  async #probes(everyMs: number): Promise<void> {
    let sequence = 0
    while (!this.#stopping) {
      if (await this.#parkIfAsked()) continue
      const tags = [probeTag(this.config.index, sequence++)]
      await this.recorder.run({ kind: 'invalidateTags', tags })
      await sleep(everyMs)
    }
  }

  /** Waits while the lanes are parked; `true` when it did. */
  async #parkIfAsked(): Promise<boolean> {
    if (!this.#gate) return false
    this.#parked++
    if (this.#parked === this.#count) this.#allParked?.()
    await this.#gate.promise
    this.#parked--
    return true
  }

  /** Resolves once every lane waits between two calls; `resume()` lets them go on. */
  async park(): Promise<() => void> {
    let open = () => {}
    const promise = new Promise<void>((resolve) => {
      open = resolve
    })
    this.#gate = { promise, open }
    const parked = new Promise<void>((resolve) => {
      this.#allParked = resolve
      if (this.#parked === this.#count || this.#running.length === 0) resolve()
    })
    await parked
    return () => {
      this.#gate = undefined
      open()
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true
    this.#gate?.open()
    await Promise.all(this.#running)
  }
}

async function main(config: WorkerConfig): Promise<void> {
  const fixture = (await import(pathToFileURL(config.fixture).href)) as {
    createSoakCache?: CreateSoakCache
  }
  if (typeof fixture.createSoakCache !== 'function')
    throw new Error(`${config.fixture} does not export createSoakCache`)
  const cache: SoakCache = await fixture.createSoakCache(config.params)
  await cache.ready()
  const recorder = new Recorder(cache, config.index, config.workload)
  const lanes = new Lanes(recorder, config)
  const flush = () => send({ type: 'log', ...recorder.drain() })
  const flusher = setInterval(flush, config.flushMs)
  flusher.unref()
  const handlers: Record<string, (message: ToWorker) => Promise<void> | void> = {
    ping: (message) => {
      if (message.type === 'ping') send({ type: 'pong', id: message.id, at: sharedNow() })
    },
    run: () => lanes.start(),
    measure: async (message) => {
      if (message.type !== 'measure') return
      const resume = await lanes.park()
      flush()
      const gc = (globalThis as { gc?: () => void }).gc
      if (!gc) throw new Error('soak workers need --expose-gc')
      gc()
      gc()
      send({ type: 'heap', round: message.round, heapUsed: process.memoryUsage().heapUsed })
      resume()
    },
    stop: async () => {
      await lanes.stop()
      flush()
      send({ type: 'stopped' })
    },
    close: async () => {
      clearInterval(flusher)
      const started = sharedNow()
      let error: string | undefined
      try {
        await cache.close()
      } catch (thrown) {
        error = describeError(thrown)
      }
      const at = sharedNow()
      const activeResources = process.getActiveResourcesInfo()
      flush()
      send({ type: 'closed', at, durationMs: at - started, error, activeResources })
      process.once('exit', () => process.stderr.write(`${EXIT_MARK}${sharedNow()}\n`))
      // From here the process must exit by itself: nothing of the harness keeps it alive.
      process.removeAllListeners('message')
      process.disconnect()
    },
  }
  process.on('message', (message: ToWorker) => {
    Promise.resolve(handlers[message.type]?.(message)).catch((error: unknown) => {
      send({ type: 'fatal', kind: 'harness', message: describeError(error) })
    })
  })
  send({ type: 'ready' })
}

process.once('message', (message: ToWorker) => {
  if (message.type !== 'start') return
  main(message.config).catch((error: unknown) => {
    send({ type: 'fatal', kind: 'harness', message: describeError(error) })
    process.exitCode = 1
    process.disconnect()
  })
})
