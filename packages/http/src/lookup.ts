/**
 * Answering a `GET` or `HEAD` from the application cache: find the variant, serve it while
 * fresh, otherwise forward once for every request waiting on the same variant (through
 * `cache.getOrSet`, so a concurrent invalidation always wins over an older forward) and serve
 * what comes back, stale only where the response allows it.
 */
import type { Cache, LoaderContext } from '@strata/cache-core'
import { Answers, type Attempt, type RequestContext, storedOf } from './answers.js'
import type { Forwarder, ForwardResult, SharedOutcome } from './forward.js'
import { RequestKeys } from './keys.js'
import type { DeliverySettings } from './replay.js'
import { isFresh, type StoredResponse } from './stored-response.js'
import { sameList, varyValues } from './vary.js'

/** Loads wait for upstream themselves: the cache's own loader timeouts must not cut them short. */
const NO_TIMEOUT = { soft: '24d', hard: '24d' } as const

/** The vary index only names headers; it may live long, a wrong one is corrected on the next miss. */
const VARY_INDEX_TTL = '1d'

/**
 * What every lookup of one response cache shares, however many handlers it wraps (the Fastify
 * plugin wraps one per request).
 */
export class LookupState {
  /** Variant keys being forwarded right now (a request joining one is collapsed). */
  readonly inflight = new Set<string>()
  private readonly background = new Set<Promise<unknown>>()

  /** Runs `work` behind the response; `settled()` waits for it. */
  track(work: Promise<unknown>): void {
    const run = work
      // Only a failing store (with onStoreError: 'throw') gets here; no request waits to be told.
      .catch((error: unknown) =>
        console.error('@strata/cache-http: background revalidation failed', error),
      )
      .finally(() => this.background.delete(run))
    this.background.add(run)
  }

  /** Resolves when every background revalidation started so far has finished. */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background])
  }
}

/** One request's view of the cache, from `createResponseCache`'s options. */
export interface LookupSettings extends DeliverySettings {
  readonly cache: Cache
  readonly clock: () => number
  readonly tags: ((request: Request) => readonly string[]) | undefined
  readonly scopeKey: ((request: Request) => string | undefined) | undefined
}

export class ResponseLookup {
  private readonly answers: Answers

  constructor(
    private readonly settings: LookupSettings,
    private readonly forwarder: Forwarder,
    private readonly state: LookupState,
  ) {
    this.answers = new Answers(settings, forwarder)
  }

  /** Answers a `GET` or `HEAD`. */
  async serve(request: Request): Promise<Response> {
    const { cache } = this.settings
    const scope = this.settings.scopeKey?.(request)
    const keys = new RequestKeys(request.url, scope)
    const context: RequestContext = {
      request,
      keys,
      scoped: scope !== undefined,
      authorized: scope === undefined && request.headers.has('authorization'),
      tags: [...(this.settings.tags?.(request) ?? []), keys.urlTag],
    }
    const names = (await cache.get<string[]>(keys.indexKey)) ?? []
    let attempt = await this.attempt(context, names, !isConditional(request))
    const stored = storedOf(attempt.shared)
    // The response varies on other headers than the index said (first sight, or a change), or
    // this request joined another one's forward with other values: look up the right variant.
    if (stored && !sameList(stored.varyValues, varyValues(request, stored.vary))) {
      attempt = await this.attempt(context, stored.vary, !isConditional(request))
    }
    return this.answers.respond(context, attempt)
  }

  private async attempt(
    context: RequestContext,
    names: readonly string[],
    allowStale: boolean,
    validateCopy?: StoredResponse,
  ): Promise<Attempt> {
    const key = context.keys.variant(names, context.request)
    const collapsed = this.state.inflight.has(key)
    let own: ForwardResult | undefined
    const loader = async (ctx: LoaderContext<SharedOutcome>) => {
      this.state.inflight.add(key)
      try {
        const stale = storedOf(ctx.stale)
        const copy = stale ?? validateCopy
        // The cache calls its copy stale: by its own headers, or soft-invalidated before.
        own = await this.forwarder.forward({
          ...context,
          copy,
          allowStale,
          softExpired: stale !== undefined,
        })
        return await this.keep(ctx, context, names, own)
      } finally {
        this.state.inflight.delete(key)
      }
    }
    const shared = await this.settings.cache.getOrSet(key, loader, {
      tags: context.tags,
      timeout: NO_TIMEOUT,
      earlyExpiration: false,
    })
    const missKind = names.length > 0 ? 'vary-miss' : 'uri-miss'
    if (
      own === undefined &&
      !collapsed &&
      shared.kind === 'response' &&
      validateCopy === undefined
    ) {
      // The store still calls it fresh for the millisecond it keeps even a zero-lifetime
      // response (no-cache, max-age=0): take it out and validate it like any stale copy.
      if (!isFresh(shared, this.settings.clock())) {
        await this.settings.cache.delete(key)
        return this.attempt(context, names, allowStale, shared)
      }
    }
    if (shared.kind === 'stale' && shared.cause === 'revalidating') {
      if (own) this.revalidateInBackground(key, context, names)
      // A downstream cache revalidating is never handed a stale copy: wait for the revalidation.
      else if (!allowStale) return this.attempt(context, names, false)
    }
    return { shared, ...(own ? { own } : {}), collapsed: own === undefined && collapsed, missKind }
  }

  /** Tells the cache's loader how to keep a forward's outcome: stored, elsewhere, or not at all. */
  private async keep(
    ctx: LoaderContext<SharedOutcome>,
    context: RequestContext,
    names: readonly string[],
    result: ForwardResult,
  ): Promise<SharedOutcome> {
    const stored = storedOf(result.shared)
    if (!result.write || !stored) {
      ctx.skipCache()
      return result.shared
    }
    const write = { ttl: result.write.ttlMs, grace: result.write.graceMs, tags: result.write.tags }
    if (sameList(stored.vary, names)) {
      ctx.setTtl(write.ttl)
      ctx.setGrace(write.grace)
      ctx.setTags(write.tags)
      return stored
    }
    // Stored under the key its Vary calls for; this key (made with the old names) stays empty.
    ctx.skipCache()
    const { cache } = this.settings
    await cache.set(context.keys.indexKey, stored.vary, { ttl: VARY_INDEX_TTL })
    await cache.set(context.keys.variant(stored.vary, context.request), stored, write)
    return stored
  }

  /** stale-while-revalidate: the stale copy was served; revalidate it without a client waiting. */
  private revalidateInBackground(key: string, context: RequestContext, names: readonly string[]) {
    const loader = async (ctx: LoaderContext<SharedOutcome>) => {
      const stale = storedOf(ctx.stale)
      const result = await this.forwarder.forward({
        ...context,
        copy: stale,
        allowStale: false,
        softExpired: stale !== undefined,
      })
      return this.keep(ctx, context, names, result)
    }
    // Nobody waits for this load but settled(): it runs to its end, tracked.
    this.state.track(
      this.settings.cache.getOrSet(key, loader, {
        tags: context.tags,
        timeout: NO_TIMEOUT,
        earlyExpiration: false,
      }),
    )
  }
}

/** A request carrying its own validators: a downstream cache (or browser) revalidating. */
function isConditional(request: Request): boolean {
  return request.headers.has('if-none-match') || request.headers.has('if-modified-since')
}
