/**
 * The spans: a load (started by a miss or a refresh) with its loader and lock wait as children,
 * and store calls. No span is made for a hit: the reads a lookup makes outside a load (`get`,
 * `getMany`, `getCounters`) get one only with `lookupSpans`.
 *
 * Parents: an operation's parent is the span of the load, loader or lock wait it runs inside,
 * unless the OpenTelemetry context changed since that span started (your own span inside the
 * loader): then, as for an operation outside any, it is the active context's span. Your loader
 * runs with the loader span active, so the spans it starts are the loader span's children.
 *
 * @module
 */

import {
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import { attributesOf, databaseAttributes, errorType } from './attributes.js'
import type { Operation, OperationListener } from './operations.js'

/** Store operations a lookup makes: a hit is nothing but these. */
const LOOKUP_READS = new Set(['get', 'getMany', 'getCounters'])

const SPAN_NAMES: Readonly<Record<Exclude<Operation['kind'], 'store'>, string>> = {
  load: 'strata.cache.load',
  loader: 'strata.cache.loader',
  lockWait: 'strata.cache.lock_wait',
}

/** Starts and ends Strata's spans on one tracer. */
export class StrataSpans implements OperationListener {
  readonly #tracer: Tracer
  readonly #lookupSpans: boolean

  constructor(tracer: Tracer, lookupSpans: boolean) {
    this.#tracer = tracer
    this.#lookupSpans = lookupSpans
  }

  started(operation: Operation): void {
    if (!this.#wanted(operation)) return
    const active = context.active()
    operation.activeAtStart = active
    const { kind, identity } = operation
    const store = kind === 'store'
    operation.span = this.#tracer.startSpan(
      store ? `${operation.operation} ${identity.store}` : SPAN_NAMES[kind],
      {
        kind: store && identity.store !== 'memory' ? SpanKind.CLIENT : SpanKind.INTERNAL,
        startTime: operation.startedAt,
        attributes: attributesOf(
          identity,
          store ? databaseAttributes(identity.store, operation.operation) : undefined,
        ),
      },
      parentOf(operation, active),
    )
    if (kind === 'loader') {
      // Your loader runs with its span active: the spans it starts (a query's) are its children.
      const inLoader = trace.setSpan(active, operation.span)
      operation.within = (loader) => context.with(inLoader, loader)
    }
  }

  finished(operation: Operation, endedAt: number): void {
    const span = operation.span
    if (span === undefined) return
    if (operation.failed) fail(span, operation.failed.error, operation.kind)
    span.end(endedAt)
  }

  /** Every load, loader and lock wait; a store call unless it is a lookup's read. */
  #wanted(operation: Operation): boolean {
    if (operation.kind !== 'store' || this.#lookupSpans) return true
    if (!LOOKUP_READS.has(operation.operation)) return true
    // Inside a load or lock wait, a read belongs to the miss being loaded.
    const kind = operation.parent?.kind
    return kind === 'load' || kind === 'lockWait'
  }
}

/** The context whose span is the parent of `operation`'s. */
function parentOf(operation: Operation, active: Context): Context {
  let parent = operation.parent
  while (parent !== undefined && parent.span === undefined) parent = parent.parent
  if (parent === undefined || parent.activeAtStart !== active) return active
  return trace.setSpan(active, parent.span!)
}

/**
 * Marks `span` failed with `error.type`. Only a loader's error, your code's own, is recorded as
 * an exception event (message and stack): a store error's message may quote the backend's reply,
 * which may quote a key.
 */
function fail(span: Span, error: unknown, kind: Operation['kind']): void {
  span.setAttribute('error.type', errorType(error))
  if (kind !== 'loader') {
    span.setStatus({ code: SpanStatusCode.ERROR })
    return
  }
  if (error instanceof Error) span.recordException(error)
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  })
}
