/**
 * The harness side of the soak workers: forks them (real processes, `--expose-gc`), drives them
 * over IPC, and collects their logs, heap figures, warnings and anything they left unhandled.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type BusGapEvent, type BusReceipt, type OpRecord, sharedNow } from './history.js'
import { EXIT_MARK, type FromWorker, type ToWorker, type WorkerConfig } from './protocol.js'
import type { WorkloadSpec } from './workload.js'

/** Options of {@link Fleet.start}. */
export interface FleetOptions {
  /** @default 4 */
  readonly processes?: number
  /** Absolute path of the backend's fixture module (see `CreateSoakCache`). */
  readonly fixture: string
  /** Passed to the fixture's `createSoakCache`. */
  readonly params: Readonly<Record<string, unknown>>
  readonly workload: WorkloadSpec
  /** @default 200 */
  readonly flushMs?: number
  /** Longest wait for a worker to answer the harness. @default 30000 */
  readonly replyTimeoutMs?: number
}

/** Something a worker left unhandled, or a harness failure inside it. */
export interface WorkerFatal {
  readonly worker: number
  readonly kind: string
  readonly message: string
}

/** How a worker closed. */
export interface WorkerClose {
  readonly worker: number
  /** How long `cache.close()` took. */
  readonly closeMs: number
  /** From `close()` resolving to the process exiting by itself (`Infinity`: it had to be killed). */
  readonly exitMs: number
  /** What `close()` threw, if it did. */
  readonly error?: string | undefined
  /** What was still active in the process when `close()` resolved (see `process.getActiveResourcesInfo`). */
  readonly activeResources: readonly string[]
}

/** How long a closed worker may take to exit by itself before it is killed. */
const EXIT_WAIT_MS = 5_000

/** The compiled worker; from the sources (this package's own tests) it is the built copy. */
function workerEntry(): string {
  const beside = fileURLToPath(new URL('./worker.js', import.meta.url))
  if (existsSync(beside)) return beside
  return fileURLToPath(new URL('../../dist/soak/worker.js', import.meta.url))
}

type Listener = (message: FromWorker) => void

class Worker {
  readonly child: ChildProcess
  readonly output: string[] = []
  readonly #listeners = new Set<Listener>()
  /** When the worker's event loop ran dry and it exited, by its own clock (see `EXIT_MARK`). */
  exitedAt: number | undefined
  readonly exited: Promise<void>

  constructor(
    readonly index: number,
    onMessage: Listener,
  ) {
    this.child = fork(workerEntry(), [], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.startsWith(EXIT_MARK)) this.exitedAt = Number(line.slice(EXIT_MARK.length))
        else if (line) this.output.push(line)
      }
      this.output.splice(0, Math.max(0, this.output.length - 50))
    }
    this.child.stdout?.on('data', keep)
    this.child.stderr?.on('data', keep)
    // 'close', not 'exit': the output (and the exit mark in it) has been read by then.
    this.exited = new Promise((resolve) => this.child.once('close', () => resolve()))
    this.child.on('message', (message: FromWorker) => {
      onMessage(message)
      for (const listener of this.#listeners) listener(message)
    })
  }

  send(message: ToWorker): void {
    if (this.child.connected) this.child.send(message)
  }

  /**
   * Resolves with the first message of `type` (and matching `accept`) from now on; rejects when
   * the worker reports a harness failure, goes away first, or says nothing within `timeoutMs`.
   */
  expect<T extends FromWorker['type']>(
    type: T,
    timeoutMs: number,
    accept: (message: Extract<FromWorker, { type: T }>) => boolean = () => true,
  ): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void) => {
        clearTimeout(timer)
        this.#listeners.delete(listener)
        this.child.off('disconnect', exited)
        outcome()
      }
      const timer = setTimeout(() => {
        settle(() =>
          reject(new Error(`soak worker ${this.index} sent no '${type}' within ${timeoutMs} ms`)),
        )
      }, timeoutMs)
      // The channel closes after every message sent on it was read (unlike 'exit').
      const exited = () => {
        settle(() => reject(new Error(`soak worker ${this.index} went away before '${type}'`)))
      }
      const listener: Listener = (message) => {
        if (message.type === 'fatal' && message.kind === 'harness')
          settle(() => reject(new Error(`soak worker ${this.index} failed: ${message.message}`)))
        else if (message.type === type && accept(message as Extract<FromWorker, { type: T }>))
          settle(() => resolve(message as Extract<FromWorker, { type: T }>))
      }
      this.#listeners.add(listener)
      this.child.once('disconnect', exited)
    })
  }
}

/** A fleet of soak workers, each with its own cache over the same server. */
export class Fleet {
  readonly ops: OpRecord[] = []
  readonly receipts: BusReceipt[] = []
  readonly gapEvents: BusGapEvent[] = []
  /** `error` events emitted outside any call, as `<worker>:<operation>`. */
  readonly orphanErrors: string[] = []
  readonly fatals: WorkerFatal[] = []
  readonly warnings: { readonly worker: number; readonly message: string }[] = []
  /** `heap[worker][round]`: heap used after GC at the end of each measured round. */
  readonly heap: number[][] = []
  readonly #workers: Worker[]
  readonly #timeoutMs: number

  private constructor(workers: (fleet: Fleet) => Worker[], timeoutMs: number) {
    this.#timeoutMs = timeoutMs
    this.#workers = workers(this)
  }

  /** Forks the workers and resolves once every cache is ready (bus subscribed). */
  static async start(options: FleetOptions): Promise<Fleet> {
    const count = options.processes ?? 4
    const fleet = new Fleet(
      (self) =>
        Array.from({ length: count }, (_, index) => new Worker(index, (m) => self.#take(index, m))),
      options.replyTimeoutMs ?? 30_000,
    )
    await Promise.all(
      fleet.#workers.map((worker) => {
        const ready = worker.expect('ready', fleet.#timeoutMs)
        const config: WorkerConfig = {
          index: worker.index,
          fixture: options.fixture,
          params: options.params,
          workload: options.workload,
          flushMs: options.flushMs ?? 200,
        }
        worker.send({ type: 'start', config })
        return ready
      }),
    ).catch(async (error: unknown) => {
      fleet.kill()
      throw error
    })
    return fleet
  }

  #take(worker: number, message: FromWorker): void {
    if (message.type === 'log') {
      this.ops.push(...message.ops)
      this.receipts.push(...message.receipts)
      this.gapEvents.push(...message.gaps)
      this.orphanErrors.push(...message.orphanErrors.map((operation) => `${worker}:${operation}`))
    } else if (message.type === 'fatal') this.fatals.push({ worker, ...message })
    else if (message.type === 'warning') this.warnings.push({ worker, message: message.message })
    else if (message.type === 'heap') {
      const rounds = this.heap[worker] ?? []
      rounds[message.round] = message.heapUsed
      this.heap[worker] = rounds
    }
  }

  /** Each worker's clock offset from the harness (best of 20 pings) and that ping's round trip. */
  async clockOffsets(): Promise<{ worker: number; offsetMs: number; rttMs: number }[]> {
    const results = []
    for (const worker of this.#workers) {
      let best = { worker: worker.index, offsetMs: 0, rttMs: Infinity }
      for (let id = 0; id < 20; id++) {
        const sent = sharedNow()
        const pong = worker.expect('pong', this.#timeoutMs, (message) => message.id === id)
        worker.send({ type: 'ping', id })
        const { at } = await pong
        const received = sharedNow()
        if (received - sent < best.rttMs)
          best = {
            worker: worker.index,
            offsetMs: at - (sent + received) / 2,
            rttMs: received - sent,
          }
      }
      results.push(best)
    }
    return results
  }

  /** Starts every worker's lanes. */
  run(): void {
    for (const worker of this.#workers) worker.send({ type: 'run' })
  }

  /** Parks every worker, collects GC'd heap figures for `round`, and lets them go on. */
  async measureHeap(round: number): Promise<number[]> {
    const replies = this.#workers.map((worker) => {
      const reply = worker.expect('heap', this.#timeoutMs, (message) => message.round === round)
      worker.send({ type: 'measure', round })
      return reply
    })
    return (await Promise.all(replies)).map((reply) => reply.heapUsed)
  }

  /** Stops the workload; resolves once every call in flight has settled and been logged. */
  async stop(): Promise<void> {
    await Promise.all(
      this.#workers.map((worker) => {
        const stopped = worker.expect('stopped', this.#timeoutMs)
        worker.send({ type: 'stop' })
        return stopped
      }),
    )
  }

  /** Closes every cache and waits for each process to exit by itself (killed after 5 s). */
  async close(): Promise<WorkerClose[]> {
    return Promise.all(
      this.#workers.map(async (worker) => {
        const closed = worker.expect('closed', this.#timeoutMs)
        worker.send({ type: 'close' })
        const { durationMs, error, activeResources, at } = await closed
        const timer = setTimeout(() => worker.child.kill('SIGKILL'), EXIT_WAIT_MS)
        await worker.exited
        clearTimeout(timer)
        const exitMs = worker.exitedAt === undefined ? Infinity : worker.exitedAt - at
        return { worker: worker.index, closeMs: durationMs, exitMs, error, activeResources }
      }),
    )
  }

  /** The last lines each worker printed, for a failure message. */
  output(): string {
    return this.#workers
      .map((worker) => `worker ${worker.index}:\n  ${worker.output.join('\n  ')}`)
      .join('\n')
  }

  /** Kills every worker still running (after a failure). */
  kill(): void {
    for (const worker of this.#workers)
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL')
  }
}
