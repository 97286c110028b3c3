/**
 * Hand-made histories for testing the checkers: each method logs one call the way a soak
 * worker would, with times given explicitly, and returns the record (its `value` is the token a
 * later read can return).
 */
import { EVERY_VALUE, type OpKind, type OpRecord } from './history.js'
import { probeTag } from './workload.js'

type Span = readonly [start: number, end: number]

export class HistoryBuilder {
  readonly ops: OpRecord[] = []
  #sequence = 0

  #push(op: Omit<OpRecord, 'id'>): OpRecord {
    const record = { id: `${op.worker}:${this.#sequence++}`, ...op }
    this.ops.push(record)
    return record
  }

  /** A `set` of a fresh token; `acked: false` logs a write that failed (no `set` event). */
  set(
    worker: number,
    key: string,
    at: Span,
    options: { tags?: readonly string[]; acked?: boolean } = {},
  ): OpRecord {
    const acked = options.acked ?? true
    return this.#push({
      worker,
      kind: 'set',
      key,
      tags: options.tags ?? [],
      start: at[0],
      end: at[1],
      ok: true,
      value: `w${worker}-S${this.#sequence}`,
      setEvent: acked,
      errorEvents: acked ? undefined : ['set'],
    })
  }

  /**
   * A `getOrSet` that ran the loader during `loader` and returned its fresh token;
   * `written: false` logs a load whose store write failed (an `error` event `'set'`).
   */
  load(
    worker: number,
    key: string,
    at: Span,
    loader: Span,
    options: {
      tags?: readonly string[]
      lock?: boolean
      written?: boolean
      /** Further `error` events of the call, e.g. `['lock']` when taking the lock failed. */
      errorEvents?: readonly string[]
    } = {},
  ): OpRecord {
    const token = `w${worker}-L${this.#sequence}`
    const errorEvents = [
      ...(options.written === false ? ['set'] : []),
      ...(options.errorEvents ?? []),
    ]
    return this.read(worker, key, at, token, {
      ...options,
      via: 'load',
      load: { token, start: loader[0], end: loader[1] },
      errorEvents: errorEvents.length > 0 ? errorEvents : undefined,
    })
  }

  /** A `getOrSet` that returned `value` without running the loader (`via` defaults to a hit). */
  read(
    worker: number,
    key: string,
    at: Span,
    value: string,
    options: Pick<OpRecord, 'via' | 'tags' | 'lock' | 'load' | 'errorEvents'> = {},
  ): OpRecord {
    return this.#push({
      ...options,
      worker,
      kind: 'getOrSet',
      key,
      tags: options.tags ?? [],
      lock: options.lock ?? false,
      start: at[0],
      end: at[1],
      ok: true,
      value,
      via: options.via ?? 'hit',
    })
  }

  /** A `delete`; `ok: false` logs one that threw. */
  delete(worker: number, key: string, at: Span, options: { ok?: boolean } = {}): OpRecord {
    const ok = options.ok ?? true
    return this.#push({
      worker,
      kind: 'delete',
      key,
      start: at[0],
      end: at[1],
      ok,
      error: ok ? undefined : 'E_STORE',
    })
  }

  /** A `get` that returned `value`, or missed (`undefined`); `via` defaults to a hit. */
  get(
    worker: number,
    key: string,
    at: Span,
    value: string | undefined,
    options: Pick<OpRecord, 'via'> = {},
  ): OpRecord {
    return this.#push({
      worker,
      kind: 'get',
      key,
      start: at[0],
      end: at[1],
      ok: true,
      value,
      via: value === undefined ? undefined : (options.via ?? 'hit'),
    })
  }

  /** An `invalidateTags`; `ok: false` logs one that threw. */
  invalidate(
    worker: number,
    tags: readonly string[],
    at: Span,
    options: { ok?: boolean } = {},
  ): OpRecord {
    return this.#tagChange('invalidateTags', worker, tags, at, options.ok ?? true)
  }

  /** An `expireTags`; `ok: false` logs one that threw. */
  expire(
    worker: number,
    tags: readonly string[],
    at: Span,
    options: { ok?: boolean } = {},
  ): OpRecord {
    return this.#tagChange('expireTags', worker, tags, at, options.ok ?? true)
  }

  /**
   * A `clear()` by namespace generation, logged as the recorder logs it: with the tag every value
   * carries ({@link EVERY_VALUE}). `ok: false` logs one that threw.
   */
  clear(worker: number, at: Span, options: { ok?: boolean } = {}): OpRecord {
    return this.#tagChange('clear', worker, [EVERY_VALUE], at, options.ok ?? true)
  }

  /** Probe `sequence` of `worker`: an invalidation of its own probe tag. */
  probe(worker: number, sequence: number, at: Span): OpRecord {
    return this.invalidate(worker, [probeTag(worker, sequence)], at)
  }

  #tagChange(kind: OpKind, worker: number, tags: readonly string[], at: Span, ok: boolean) {
    return this.#push({
      worker,
      kind,
      tags,
      start: at[0],
      end: at[1],
      ok,
      error: ok ? undefined : 'E_STORE',
    })
  }
}
