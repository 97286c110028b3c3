/**
 * What the soak harness and its worker processes say to each other over the IPC channel, and
 * the contract of the per-backend fixture module a worker loads to build its cache.
 */
import type { BusGapEvent, BusReceipt, OpRecord } from './history.js'
import type { WorkloadSpec } from './workload.js'

/**
 * The part of a Strata `Cache` a soak worker uses, typed here so test-servers needs no core.
 * A `Cache` from `@strata/cache-core` fits it.
 */
export interface SoakCache {
  getOrSet(
    key: string,
    loader: () => Promise<string>,
    options: { tags: readonly string[]; lock: boolean },
  ): Promise<unknown>
  get(key: string): Promise<unknown>
  /** Only called by a workload whose mix has `getMany`. */
  getMany(keys: readonly string[]): Promise<readonly unknown[]>
  set(key: string, value: string, options: { tags: readonly string[] }): Promise<void>
  delete(key: string): Promise<boolean>
  invalidateTags(tags: readonly string[]): Promise<void>
  expireTags(tags: readonly string[]): Promise<void>
  /** Only called by a workload whose mix has `clear`. */
  clear(): Promise<void>
  on(event: 'set', listener: () => void): () => void
  /** `tier` is `'l1'` for a hit served by an in-process tier. */
  on(event: 'hit', listener: (payload: { key: string; tier?: string }) => void): () => void
  on(event: 'error', listener: (payload: { operation: string; error: unknown }) => void): () => void
  on(
    event: 'invalidate',
    listener: (payload: { tags: readonly string[]; source: 'local' | 'remote' }) => void,
  ): () => void
  /** The bus may have lost messages (`'lost'`), or delivers them again (`'restored'`). */
  on(event: 'busGap', listener: (payload: { phase: 'lost' | 'restored' }) => void): () => void
  /** Resolves once the store is loaded and the bus subscription (if any) is active. */
  ready(): Promise<void>
  close(): Promise<void>
}

/**
 * A fixture module (e.g. `packages/redis/test/fixtures/soak-cache.mjs`) exports this function:
 * it builds the cache of one worker from the parameters the test passed (server URL, cache
 * options), over the built packages, as an application would.
 */
export type CreateSoakCache = (params: Readonly<Record<string, unknown>>) => Promise<SoakCache>

/** Everything a worker needs to start. */
export interface WorkerConfig {
  readonly index: number
  /** Absolute path of the fixture module. */
  readonly fixture: string
  /** Passed to the fixture's `createSoakCache` as is. */
  readonly params: Readonly<Record<string, unknown>>
  readonly workload: WorkloadSpec
  /** How often the worker sends its log. */
  readonly flushMs: number
}

/** Harness → worker. */
export type ToWorker =
  | { readonly type: 'start'; readonly config: WorkerConfig }
  | { readonly type: 'ping'; readonly id: number }
  | { readonly type: 'run' }
  | { readonly type: 'measure'; readonly round: number }
  | { readonly type: 'stop' }
  | { readonly type: 'close' }

/** Worker → harness. */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'pong'; readonly id: number; readonly at: number }
  | {
      readonly type: 'log'
      readonly ops: readonly OpRecord[]
      readonly receipts: readonly BusReceipt[]
      readonly gaps: readonly BusGapEvent[]
      /** `error` events emitted outside any call (background work, the bus), by operation. */
      readonly orphanErrors: readonly string[]
    }
  | { readonly type: 'heap'; readonly round: number; readonly heapUsed: number }
  | { readonly type: 'stopped' }
  | {
      readonly type: 'fatal'
      readonly kind: 'unhandledRejection' | 'uncaughtException' | 'harness'
      readonly message: string
    }
  | { readonly type: 'warning'; readonly message: string }
  | {
      readonly type: 'closed'
      /** When `close()` resolved. */
      readonly at: number
      readonly durationMs: number
      readonly error?: string | undefined
      /** `process.getActiveResourcesInfo()` once `close()` resolved (what may keep it alive). */
      readonly activeResources: readonly string[]
    }

/**
 * A worker prints this, then the shared-clock time, on stderr as it exits (stderr is a pipe,
 * written synchronously on Linux): how long a process takes to exit after `close()` is measured
 * on its own clock, not delayed by the harness's event loop.
 */
export const EXIT_MARK = 'soak-worker-exit '

/** A short, stable description of a thrown value: its `code`, else its name. */
export function errorCode(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, name } = error as { code?: unknown; name?: unknown }
    if (typeof code === 'string') return code
    if (typeof name === 'string') return name
  }
  return typeof error
}

/** A thrown value's message with its stack, for reports. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`
  return String(error)
}
