/**
 * Follows the operations core traces (`diagnostics_channel` tracing channels): a load, the
 * loader call inside it, a lock wait, a store call. Each becomes an {@link Operation} with a
 * start time, a parent (the operation it runs inside), an end time and its error, handed to
 * listeners (metrics, spans) when it starts and when it ends.
 *
 * Two facts of core's channels shape this:
 * - a load, loader or lock wait is found by the async context: an `AsyncLocalStorage` bound to
 *   `start` with `bindStore`, which core's `end`, `error`, `asyncStart` and `asyncEnd` run
 *   inside, so an operation started inside another one gets it as its parent;
 * - a traced function may answer synchronously (a loader that returns a value, the memory
 *   store), and then no `asyncEnd` follows `end`: core sets `result` before `end` then, as
 *   `traceSync` does. A store call whose `result` is set at `end` ended there; a loader that
 *   never reached `asyncEnd` ended at its `end`, which is settled when the load around it ends.
 *
 * @module
 */

import { AsyncLocalStorage } from 'node:async_hooks'
import { type TracingChannel, tracingChannel } from 'node:diagnostics_channel'
import { performance } from 'node:perf_hooks'
import type { Context, Span } from '@opentelemetry/api'
import { DIAGNOSTICS_CHANNELS } from '@strata/cache-core'
import { type Identity, identityOf } from './attributes.js'

/** What core traces. */
export type OperationKind = 'load' | 'loader' | 'lockWait' | 'store'

/** One traced operation. */
export interface Operation {
  readonly kind: OperationKind
  readonly identity: Identity
  /** For a store call: the contract's operation (`get`, `set`…). */
  readonly operation: string
  /** The innermost load, loader or lock wait this one runs inside. */
  readonly parent: Operation | undefined
  /** `performance.now()` at the start. */
  readonly startedAt: number
  /** `performance.now()` when the traced function returned (or threw). */
  endedAt?: number
  /** Set when the operation failed. */
  failed?: { readonly error: unknown }
  finished: boolean
  /** Loaders inside this load that may have answered synchronously. */
  inside?: Operation[]
  /** Listeners' state: the span and the OpenTelemetry context active at the start. */
  span?: Span
  activeAtStart?: Context
  /** Set by a listener to run the operation inside a context of its own (see core's `within`). */
  within?: <R>(operation: () => R) => R
}

/** Told about operations. */
export interface OperationListener {
  started?(operation: Operation): void
  finished(operation: Operation, endedAt: number): void
}

interface TraceContext extends Identity {
  readonly operation?: string
  within?: <R>(operation: () => R) => R
  readonly error?: unknown
}

type Handlers = Parameters<TracingChannel<unknown, TraceContext>['subscribe']>[0]

const nothing = (): void => {}

const SCOPED: readonly [OperationKind, string][] = [
  ['load', DIAGNOSTICS_CHANNELS.load],
  ['loader', DIAGNOSTICS_CHANNELS.loader],
  ['lockWait', DIAGNOSTICS_CHANNELS.lockWait],
]

/**
 * Subscribes to core's tracing channels and reports every operation to `listener`.
 * @returns a function that unsubscribes everything.
 */
export function followOperations(listener: OperationListener): () => void {
  const current = new AsyncLocalStorage<Operation>()
  const undo: (() => void)[] = []
  const withCurrent = (act: (operation: Operation) => void): void => {
    const operation = current.getStore()
    if (operation !== undefined) act(operation)
  }

  const begin = (kind: OperationKind, context: TraceContext): Operation => {
    const operation: Operation = {
      kind,
      identity: identityOf(context),
      operation: kind === 'store' ? String(context.operation) : kind,
      parent: current.getStore(),
      startedAt: performance.now(),
      finished: false,
    }
    listener.started?.(operation)
    // Core calls the operation through `within` when its context carries one.
    if (operation.within !== undefined) context.within = operation.within
    return operation
  }
  const finish = (operation: Operation, endedAt: number): void => {
    if (operation.finished) return
    operation.finished = true
    // An operation inside that never reached asyncEnd answered synchronously: it ended at `end`.
    for (const inner of operation.inside ?? []) finish(inner, inner.endedAt ?? endedAt)
    operation.inside = undefined
    listener.finished(operation, endedAt)
  }
  const returned = (operation: Operation): void => {
    operation.endedAt = performance.now()
    // A synchronous throw: `error` came before `end`.
    if (operation.failed) {
      finish(operation, operation.endedAt)
      return
    }
    // Only a loader may answer synchronously among these, and its load awaits it: the load's
    // end settles it. (Loads and lock waits always return promises.)
    const parent = operation.parent
    if (operation.kind === 'loader' && parent !== undefined) {
      if (parent.inside) parent.inside.push(operation)
      else parent.inside = [operation]
    }
  }

  for (const [kind, name] of SCOPED) {
    const channel = tracingChannel<unknown, TraceContext>(name)
    const handlers: Handlers = {
      // The operation begins in the `bindStore` transform below; the other events run in its context.
      start: nothing,
      asyncStart: nothing,
      end: () => withCurrent(returned),
      error: (context) => withCurrent((operation) => (operation.failed = { error: context.error })),
      asyncEnd: () => withCurrent((operation) => finish(operation, performance.now())),
    }
    channel.start.bindStore(current, (context) => begin(kind, context as TraceContext))
    channel.subscribe(handlers)
    undo.push(() => {
      channel.unsubscribe(handlers)
      channel.start.unbindStore(current)
    })
  }

  undo.push(followStoreCalls(begin, finish, returned))
  return () => {
    for (const step of undo.splice(0)) step()
  }
}

/** Store calls: each has its own context object, so no async context is entered for them. */
function followStoreCalls(
  begin: (kind: OperationKind, context: TraceContext) => Operation,
  finish: (operation: Operation, endedAt: number) => void,
  returned: (operation: Operation) => void,
): () => void {
  const channel = tracingChannel<unknown, TraceContext>(DIAGNOSTICS_CHANNELS.store)
  const operations = new WeakMap<object, Operation>()
  const handlers: Handlers = {
    start: (context) => {
      operations.set(context, begin('store', context))
    },
    end: (context) => {
      const operation = operations.get(context)
      if (operation === undefined) return
      returned(operation)
      if (operation.finished) return
      // A synchronous answer: core sets `result` before `end`, and no `asyncEnd` follows.
      if (Object.hasOwn(context, 'result')) finish(operation, operation.endedAt!)
    },
    error: (context) => {
      const operation = operations.get(context)
      if (operation !== undefined) operation.failed = { error: context.error }
    },
    asyncStart: nothing,
    asyncEnd: (context) => {
      const operation = operations.get(context)
      if (operation !== undefined) finish(operation, performance.now())
    },
  }
  channel.subscribe(handlers)
  return () => channel.unsubscribe(handlers)
}
