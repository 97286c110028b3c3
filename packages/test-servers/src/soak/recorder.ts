/**
 * Runs one cache call of a soak worker and logs it. Each call runs in its own async context, so
 * the cache's events (`set`, `hit`, `error`) and the loader call are attributed to the call that
 * caused them even while many calls of the process overlap. Also logs what the process heard on
 * the bus: other processes' invalidations and its own gap reports.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  type BusGapEvent,
  type BusReceipt,
  type LoaderCall,
  type OpRecord,
  sharedNow,
} from './history.js'
import { errorCode, type SoakCache } from './protocol.js'
import { between, type PlannedOp, seededRandom, type WorkloadSpec } from './workload.js'

/** What the cache's events tell about one call. */
interface CallState {
  setEvent: boolean
  /** The tier of a `hit` event in the call: `'l1'` (in-process) or the shared store. */
  hit: 'l1' | 'store' | undefined
  /** The same, by key: a `getMany` hits several keys in one call. */
  readonly hits: Map<string, 'l1' | 'store'>
  load: LoaderCall | undefined
  readonly errorEvents: string[]
}

/** Makes a worker's calls, and keeps their log until {@link Recorder.drain}. */
export class Recorder {
  readonly #cache: SoakCache
  readonly #worker: number
  readonly #spec: WorkloadSpec
  readonly #context = new AsyncLocalStorage<CallState>()
  readonly #loaderRandom: () => number
  #ops: OpRecord[] = []
  #receipts: BusReceipt[] = []
  #gaps: BusGapEvent[] = []
  #orphanErrors: string[] = []
  #sequence = 0
  #tokens = 0

  constructor(cache: SoakCache, worker: number, spec: WorkloadSpec) {
    this.#cache = cache
    this.#worker = worker
    this.#spec = spec
    this.#loaderRandom = seededRandom(spec.seed * 7919 + worker)
    cache.on('set', () => {
      const state = this.#context.getStore()
      if (state) state.setEvent = true
    })
    cache.on('hit', ({ key, tier }) => {
      const state = this.#context.getStore()
      if (!state) return
      state.hit = tier === 'l1' ? 'l1' : 'store'
      state.hits.set(key, state.hit)
    })
    cache.on('error', ({ operation }) => {
      const state = this.#context.getStore()
      if (state) state.errorEvents.push(operation)
      else this.#orphanErrors.push(operation)
    })
    cache.on('invalidate', ({ tags, source }) => {
      if (source === 'remote') this.#receipts.push({ worker, at: sharedNow(), tags: [...tags] })
    })
    cache.on('busGap', ({ phase }) => {
      this.#gaps.push({ worker, at: sharedNow(), phase })
    })
  }

  /** A value no other call of the soak produces. */
  #token(kind: 'L' | 'S'): string {
    return `w${this.#worker}-${kind}${this.#tokens++}`
  }

  readonly #loader = async (): Promise<string> => {
    const token = this.#token('L')
    const start = sharedNow()
    await sleep(between(this.#loaderRandom, this.#spec.loaderMs))
    const state = this.#context.getStore()
    const call = { token, start, end: sharedNow() }
    // A load always starts inside a call; without one, attribution is broken and the log lies.
    if (!state) throw new Error(`soak worker ${this.#worker}: a loader ran outside any call`)
    state.load = call
    return token
  }

  /** Makes `planned` and logs it. Never rejects: a thrown error is part of the log. */
  async run(planned: PlannedOp): Promise<void> {
    if (planned.kind === 'getMany') return this.#runGetMany(planned.keys)
    const state = newCallState()
    const id = `${this.#worker}:${this.#sequence++}`
    let value: string | undefined
    let ok = true
    let error: string | undefined
    const cache = this.#cache
    const start = sharedNow()
    try {
      await this.#context.run(state, async () => {
        if (planned.kind === 'getOrSet') {
          const options = { tags: planned.tags, lock: planned.lock }
          value = String(await cache.getOrSet(planned.key, this.#loader, options))
        } else if (planned.kind === 'get') {
          const found = await cache.get(planned.key)
          value = found === undefined ? undefined : String(found)
        } else if (planned.kind === 'set') {
          value = this.#token('S')
          await cache.set(planned.key, value, { tags: planned.tags })
        } else if (planned.kind === 'delete') await cache.delete(planned.key)
        else if (planned.kind === 'expireTags') await cache.expireTags(planned.tags)
        else if (planned.kind === 'clear') await cache.clear()
        else await cache.invalidateTags(planned.tags)
      })
    } catch (thrown) {
      ok = false
      error = errorCode(thrown)
    }
    const end = sharedNow()
    this.#ops.push({
      id,
      worker: this.#worker,
      kind: planned.kind,
      key: 'key' in planned ? planned.key : undefined,
      tags: 'tags' in planned ? planned.tags : undefined,
      lock: planned.kind === 'getOrSet' ? planned.lock : undefined,
      start,
      end,
      ok,
      error,
      value,
      via:
        ok && value !== undefined && isRead(planned)
          ? viaOf(state.load, state.hit, planned.kind)
          : undefined,
      load: state.load,
      setEvent: planned.kind === 'set' ? state.setEvent : undefined,
      errorEvents: state.errorEvents.length > 0 ? state.errorEvents : undefined,
    })
  }

  /**
   * One `getMany`, logged as a `get` of each key over the whole call: the checkers hold every
   * answer of a batch to what a single read of its key may return in that time.
   */
  async #runGetMany(keys: readonly string[]): Promise<void> {
    const state = newCallState()
    const id = `${this.#worker}:${this.#sequence++}`
    let values: readonly unknown[] | undefined
    let error: string | undefined
    const start = sharedNow()
    try {
      values = await this.#context.run(state, () => this.#cache.getMany(keys))
    } catch (thrown) {
      error = errorCode(thrown)
    }
    const end = sharedNow()
    keys.forEach((key, i) => {
      const found = values?.[i]
      this.#ops.push({
        id: `${id}/${i}`,
        worker: this.#worker,
        kind: 'get',
        key,
        start,
        end,
        ok: values !== undefined,
        error,
        value: found === undefined ? undefined : String(found),
        via: found === undefined ? undefined : viaOf(undefined, state.hits.get(key), 'get'),
        errorEvents: state.errorEvents.length > 0 ? state.errorEvents : undefined,
      })
    })
  }

  /** Hands over (and forgets) everything logged since the last call. */
  drain(): {
    ops: OpRecord[]
    receipts: BusReceipt[]
    gaps: BusGapEvent[]
    orphanErrors: string[]
  } {
    const drained = {
      ops: this.#ops,
      receipts: this.#receipts,
      gaps: this.#gaps,
      orphanErrors: this.#orphanErrors,
    }
    this.#ops = []
    this.#receipts = []
    this.#gaps = []
    this.#orphanErrors = []
    return drained
  }
}

function newCallState(): CallState {
  return { setEvent: false, hit: undefined, hits: new Map(), load: undefined, errorEvents: [] }
}

function isRead(planned: PlannedOp): boolean {
  return planned.kind === 'getOrSet' || planned.kind === 'get'
}

function viaOf(
  load: LoaderCall | undefined,
  hit: CallState['hit'],
  kind: PlannedOp['kind'],
): string {
  if (load) return 'load'
  if (hit === 'l1') return 'l1'
  if (hit) return 'hit'
  // A `get` joins no load: a value without a hit event has no known source, and no tolerance.
  return kind === 'get' ? 'unattributed' : 'shared'
}
