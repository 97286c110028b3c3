/**
 * The reply to a `GET` or `HEAD` once the cache knows what it has: a hit, a stale copy the
 * response allows, what this request's own forward brought (stored, or only passed on), or a
 * forward of its own when what another request brought may not be shared.
 */
import { type CacheStatusEntry, cacheStatusMember, recordFailedForward } from './cache-status.js'
import type { Forwarder, ForwardResult, SharedOutcome } from './forward.js'
import type { RequestKeys } from './keys.js'
import { type Delivery, type DeliverySettings, passOn, replay } from './replay.js'
import type { StoredResponse } from './stored-response.js'

/** The facts of one request that every attempt at its variant shares. */
export interface RequestContext {
  readonly request: Request
  readonly keys: RequestKeys
  readonly scoped: boolean
  readonly authorized: boolean
  readonly tags: readonly string[]
}

/** What one attempt at a variant key gave a request. */
export interface Attempt {
  readonly shared: SharedOutcome
  /** Set when this request ran the forward itself. */
  readonly own?: ForwardResult
  readonly collapsed: boolean
  readonly missKind: 'uri-miss' | 'vary-miss'
}

/** The stored response of an outcome, if it is one. */
export function storedOf(outcome: SharedOutcome | undefined): StoredResponse | undefined {
  return outcome?.kind === 'response' ? outcome : undefined
}

export class Answers {
  constructor(
    private readonly settings: DeliverySettings & { readonly clock: () => number },
    private readonly forwarder: Forwarder,
  ) {}

  /** The response to the request of `context`, from what its attempt gave. */
  async respond(context: RequestContext, attempt: Attempt): Promise<Response> {
    const { shared, own } = attempt
    if (own === undefined) {
      // An authorized request is never answered from what was stored for others (RFC 9111 §3.5).
      if (context.authorized) return this.passThrough(context, 'authorization')
      if (shared.kind === 'response') {
        return attempt.collapsed
          ? this.deliver(context, shared, { fwd: attempt.missKind, collapsed: true }, 'MISS')
          : this.deliver(context, shared, { hit: true }, 'HIT')
      }
      if (shared.kind === 'stale') return this.deliverStale(context, shared)
      // Another request's forward gave nothing this one may use: go upstream alone, uncached.
      return this.passThrough(context, shared.kind === 'bypass' ? shared.reason : 'upstream-failed')
    }
    if (own.fwdStatus === undefined && shared.kind === 'response') {
      return this.deliver(context, shared, { hit: true }, 'HIT')
    }
    if (shared.kind === 'stale') return this.deliverStale(context, shared)
    const status: CacheStatusEntry = {
      fwd: own.staleCopy ? 'stale' : attempt.missKind,
      ...(own.fwdStatus === undefined ? {} : { fwdStatus: own.fwdStatus }),
    }
    return this.answer(context, own, { ...status, stored: own.write !== undefined })
  }

  /** This request's own forward: what it stored, or what it may only pass on. */
  private answer(
    context: RequestContext,
    result: ForwardResult,
    status: CacheStatusEntry,
  ): Response {
    const detail =
      status.detail === undefined && result.shared.kind === 'bypass'
        ? { detail: result.shared.reason }
        : {}
    if (result.own instanceof Response) {
      return passOn(result.own, context.request, { ...status, ...detail }, this.settings)
    }
    const stored = result.own ?? storedOf(result.shared)
    if (stored) {
      const xCache = result.fwdStatus === 304 ? 'REVALIDATED' : 'MISS'
      return this.deliver(context, stored, { ...status, ...detail }, xCache, result.delivered)
    }
    // Upstream failed and nothing stale may answer: the handler's error is the answer (with
    // this cache's member, for a caller that answers it: the proxy's 502).
    recordFailedForward(result.error, cacheStatusMember(this.settings.cacheName, status))
    throw result.error
  }

  private deliverStale(
    context: RequestContext,
    stale: Extract<SharedOutcome, { kind: 'stale' }>,
  ): Response {
    const status: CacheStatusEntry =
      stale.cause === 'revalidating'
        ? { hit: true, detail: 'stale-while-revalidate' }
        : {
            fwd: 'stale',
            ...(stale.fwdStatus === undefined ? {} : { fwdStatus: stale.fwdStatus }),
            detail: 'stale-if-error',
          }
    return this.deliver(context, stale.copy, status, 'STALE')
  }

  private deliver(
    context: RequestContext,
    stored: StoredResponse,
    status: CacheStatusEntry,
    xCache: Delivery['xCache'],
    delivered: readonly (readonly [string, string])[] = [],
  ): Response {
    const now = this.settings.clock()
    const delivery = { status, xCache, now, scoped: context.scoped, delivered }
    return replay(stored, context.request, delivery, this.settings)
  }

  private async passThrough(context: RequestContext, detail: string): Promise<Response> {
    const result = await this.forwarder.forward({ ...context, copy: undefined, allowStale: false })
    const status: CacheStatusEntry = {
      fwd: 'bypass',
      ...(result.fwdStatus === undefined ? {} : { fwdStatus: result.fwdStatus }),
      detail,
    }
    return this.answer(context, result, status)
  }
}
