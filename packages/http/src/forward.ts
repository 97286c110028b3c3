/**
 * Going upstream for a response the cache cannot answer alone (RFC 9111 §4, §4.3): the request
 * as the origin sees it (a `GET`, the cache's own validators instead of the client's), and what
 * came back — a new response to store, a `304` that refreshes the stored one (§4.3.4), a
 * response to pass on unstored, or a failure that a stale copy may answer (RFC 5861).
 */
import { bodyEtag } from './etag.js'
import { formatHttpDate } from './http-date.js'
import { carryInterimSink } from './interim.js'
import {
  type FreshnessPolicy,
  initialAgeMs,
  judgeResponse,
  responseTags,
} from './response-policy.js'
import {
  currentAgeMs,
  encodeBody,
  hopByHopNames,
  isFresh,
  type StoredResponse,
  stalenessMs,
  storableHeaders,
  storedHeaders,
} from './stored-response.js'
import { varyValues } from './vary.js'

/** What a forward leaves for every request waiting on it (the value the cache's loader returns). */
export type SharedOutcome =
  | StoredResponse
  /** The response may not be shared: each waiting request goes upstream on its own. */
  | { readonly kind: 'bypass'; readonly reason: string }
  /** A stale copy answers (stale-while-revalidate, or stale-if-error after `fwdStatus`). */
  | {
      readonly kind: 'stale'
      readonly copy: StoredResponse
      readonly cause: 'revalidating' | 'error'
      readonly fwdStatus?: number
    }
  /** Upstream failed and nothing stale may answer. */
  | { readonly kind: 'failed' }

/** What the request that ran the forward gets, beyond the shared outcome. */
export interface ForwardResult {
  readonly shared: SharedOutcome
  /**
   * This request's answer when it differs from `shared`: upstream's response passed on as it
   * is, or a response read (and validated) for this request but not kept.
   */
  readonly own?: Response | StoredResponse
  /** The error upstream failed with, when it threw. */
  readonly error?: unknown
  /** The status upstream answered with; absent when the request did not go upstream. */
  readonly fwdStatus?: number
  /** The request went upstream because the stored copy was stale (RFC 9211 `fwd=stale`). */
  readonly staleCopy?: boolean
  /**
   * Fields of upstream's response this request gets although they are not stored: a scoped
   * response's `Set-Cookie`, the fields a qualified `no-cache` / `private` names.
   */
  readonly delivered: readonly (readonly [string, string])[]
  /** How to store `shared` when it is a response worth keeping. */
  readonly write?: { readonly ttlMs: number; readonly graceMs: number; readonly tags: string[] }
}

/** The facts of one forward. */
export interface ForwardRequest {
  readonly request: Request
  /** The stored copy, whose validators make the forward conditional. */
  readonly copy: StoredResponse | undefined
  /** Whether this request may be answered stale while the copy revalidates. */
  readonly allowStale: boolean
  /**
   * The application cache holds the copy as stale though its own headers still call it fresh: a
   * soft invalidation (`invalidate(tags, { soft: true })`). It is revalidated upstream.
   */
  readonly softExpired?: boolean
  readonly scoped: boolean
  readonly authorized: boolean
  /** Tags known before the forward (from the `tags` option and the URL's own tag). */
  readonly tags: readonly string[]
}

/** Settings of the forwarder, from the response cache's options. */
export interface ForwarderSettings {
  readonly policy: FreshnessPolicy
  readonly keepMs: number
  readonly generateEtag: boolean
  readonly clock: () => number
}

/** No entry lives longer than this in the store, whatever its `max-age`: it is then a miss. */
const MAX_RETENTION_MS = 365 * 24 * 3600_000

/** The statuses RFC 5861 §4 counts as errors for `stale-if-error`. */
const ERROR_STATUSES = new Set([500, 502, 503, 504])

/**
 * Request fields the cache answers itself: the client's validators (against the stored copy)
 * and its ranges (from the full stored body, which is what goes upstream).
 */
const ANSWERED_HERE = ['if-none-match', 'if-modified-since', 'range', 'if-range']

export class Forwarder {
  constructor(
    private readonly handler: (request: Request) => Response | Promise<Response>,
    private readonly settings: ForwarderSettings,
  ) {}

  /** Forwards `forward.request` (or answers it stale) and judges what came back. */
  async forward(forward: ForwardRequest): Promise<ForwardResult> {
    const { copy } = forward
    const { clock } = this.settings
    if (copy && !forward.softExpired && isFresh(copy, clock()))
      return { shared: copy, delivered: [] }
    if (copy && forward.allowStale && stalenessMs(copy, clock()) < copy.staleWhileRevalidateMs) {
      return { shared: { kind: 'stale', copy, cause: 'revalidating' }, delivered: [] }
    }
    return { ...(await this.goUpstream(forward)), staleCopy: copy !== undefined }
  }

  private async goUpstream(forward: ForwardRequest): Promise<ForwardResult> {
    const { copy } = forward
    const { clock } = this.settings
    const requestTime = clock()
    let response: Response
    try {
      response = await this.handler(upstreamRequest(forward.request, copy))
    } catch (error) {
      return {
        shared: this.staleOnError(copy, undefined) ?? { kind: 'failed' },
        error,
        delivered: [],
      }
    }
    const responseTime = clock()
    const fwdStatus = response.status
    if (response.status === 304 && copy) {
      await response.body?.cancel()
      return this.refreshed(forward, copy, response.headers, requestTime, responseTime)
    }
    if (ERROR_STATUSES.has(response.status)) {
      const stale = this.staleOnError(copy, fwdStatus)
      if (stale) {
        await response.body?.cancel()
        return { shared: stale, fwdStatus, delivered: [] }
      }
    }
    try {
      return await this.received(forward, response, requestTime, responseTime)
    } catch (error) {
      // The body broke off (upstream reset the connection): a failure, like a throw.
      return {
        shared: this.staleOnError(copy, undefined) ?? { kind: 'failed' },
        error,
        delivered: [],
      }
    }
  }

  private staleOnError(copy: StoredResponse | undefined, fwdStatus: number | undefined) {
    if (!copy || stalenessMs(copy, this.settings.clock()) >= copy.staleIfErrorMs) return undefined
    return { kind: 'stale', copy, cause: 'error', fwdStatus } as const
  }

  /** A full response from upstream: stored when the rules allow and it can be reused. */
  private async received(
    forward: ForwardRequest,
    response: Response,
    requestTime: number,
    responseTime: number,
  ): Promise<ForwardResult> {
    const fwdStatus = response.status
    const verdict = judgeResponse(response, forward, this.settings.policy, responseTime)
    if (!verdict.storable) {
      return { shared: bypass(verdict.reason), own: response, fwdStatus, delivered: [] }
    }
    const body = new Uint8Array(await response.arrayBuffer())
    const stored: StoredResponse = {
      kind: 'response',
      status: response.status,
      statusText: response.statusText,
      headers: storableHeaders(response.headers, verdict.unstoredFields, responseTime),
      body: encodeBody(body),
      ...(this.settings.generateEtag && !response.headers.has('etag')
        ? { generatedEtag: bodyEtag(body) }
        : {}),
      tags: [...new Set([...forward.tags, ...responseTags(response)])],
      vary: verdict.vary,
      varyValues: varyValues(forward.request, verdict.vary),
      requestTime,
      responseTime,
      initialAgeMs: initialAgeMs(response.headers, requestTime, responseTime),
      freshnessMs: verdict.freshnessMs,
      staleWhileRevalidateMs: verdict.staleWhileRevalidateMs,
      staleIfErrorMs: verdict.staleIfErrorMs,
    }
    const unstored = new Set(verdict.unstoredFields)
    const delivered: [string, string][] = []
    response.headers.forEach((value, name) => {
      if (unstored.has(name) || name === 'set-cookie') delivered.push([name, value])
    })
    return this.keeping(stored, fwdStatus, delivered)
  }

  /** §4.3.4: a `304` updates the stored headers and freshness; the stored body is kept. */
  private refreshed(
    forward: ForwardRequest,
    copy: StoredResponse,
    notModified: Headers,
    requestTime: number,
    responseTime: number,
  ): ForwardResult {
    const merged = storedHeaders(copy)
    const skipped = hopByHopNames(notModified)
    skipped.add('content-length')
    notModified.forEach((value, name) => {
      if (!skipped.has(name)) merged.set(name, value)
    })
    // RFC 9110 §6.6.1: a 304 without Date is dated on arrival, or the old Date would age it.
    if (!notModified.has('date')) merged.set('date', formatHttpDate(responseTime))
    const revalidated = new Response(null, { status: copy.status, headers: merged })
    const verdict = judgeResponse(revalidated, forward, this.settings.policy, responseTime)
    const updated: StoredResponse = {
      ...copy,
      headers: storableHeaders(
        merged,
        verdict.storable ? verdict.unstoredFields : [],
        responseTime,
      ),
      requestTime,
      responseTime,
      initialAgeMs: initialAgeMs(merged, requestTime, responseTime),
      freshnessMs: verdict.storable ? verdict.freshnessMs : 0,
      staleWhileRevalidateMs: verdict.storable ? verdict.staleWhileRevalidateMs : 0,
      staleIfErrorMs: verdict.storable ? verdict.staleIfErrorMs : 0,
    }
    if (!verdict.storable) {
      // Validated for this request, but no longer to be kept: answered once, then gone.
      return { shared: bypass(verdict.reason), own: updated, fwdStatus: 304, delivered: [] }
    }
    return this.keeping(updated, 304, [])
  }

  /** Stores `stored` when it can ever be reused; otherwise it answers this request only. */
  private keeping(
    stored: StoredResponse,
    fwdStatus: number,
    delivered: readonly (readonly [string, string])[],
  ): ForwardResult {
    const now = this.settings.clock()
    const freshLeft = stored.freshnessMs - currentAgeMs(stored, now)
    const validator =
      storedHeaders(stored).has('etag') || storedHeaders(stored).has('last-modified')
    const graceMs = Math.max(
      stored.staleWhileRevalidateMs,
      stored.staleIfErrorMs,
      validator ? this.settings.keepMs : 0,
    )
    if (freshLeft <= 0 && graceMs === 0) {
      return { shared: bypass('not-reusable'), own: stored, fwdStatus, delivered }
    }
    return {
      shared: stored,
      fwdStatus,
      delivered,
      write: {
        ttlMs: Math.min(MAX_RETENTION_MS, Math.max(1, freshLeft)),
        graceMs: Math.min(MAX_RETENTION_MS, graceMs),
        tags: [...stored.tags],
      },
    }
  }
}

function bypass(reason: string): SharedOutcome {
  return { kind: 'bypass', reason }
}

/** The request as upstream gets it: a `GET` (a `HEAD` is answered from it) with our validators. */
export function upstreamRequest(request: Request, copy: StoredResponse | undefined): Request {
  const headers = new Headers(request.headers)
  for (const name of ANSWERED_HERE) headers.delete(name)
  if (copy) {
    const stored = storedHeaders(copy)
    const etag = stored.get('etag')
    const lastModified = stored.get('last-modified')
    if (etag !== null) headers.set('if-none-match', etag)
    if (lastModified !== null) headers.set('if-modified-since', lastModified)
  }
  // No signal: other requests may be waiting on this forward after its client went away.
  return carryInterimSink(request, new Request(request.url, { method: 'GET', headers }))
}
