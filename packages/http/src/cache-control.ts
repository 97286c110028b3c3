/**
 * `Cache-Control`: a builder that refuses contradictions, and a parser that reads what others
 * send the most restrictive way RFC 9111 allows.
 */
import { type Duration, InvalidOptionError, parseDuration } from '@strata/cache-core'

/** Directives of a `Cache-Control` header, as `cacheControl()` builds it. */
export interface CacheControlOptions {
  /**
   * `public`: shared caches (CDNs, proxies) may store the response, even if it would
   * otherwise not be cacheable (e.g. a request with `Authorization`).
   * @default false
   */
  readonly public?: boolean
  /**
   * `private`: only the browser may store the response; shared caches must not.
   * @default false
   */
  readonly private?: boolean
  /**
   * `no-cache`: caches may store the response but must revalidate it before every reuse.
   * @default false
   */
  readonly noCache?: boolean
  /**
   * `no-store`: no cache may store the response. Excludes every age directive.
   * @default false
   */
  readonly noStore?: boolean
  /**
   * `max-age`: how long the response is fresh, for every cache. Rounded up to whole seconds.
   * @default none
   */
  readonly maxAge?: Duration
  /**
   * `s-maxage`: how long the response is fresh for shared caches (overrides `maxAge` there).
   * @default none
   */
  readonly sMaxAge?: Duration
  /**
   * `stale-while-revalidate`: how long after it goes stale the response may still be served
   * while a cache revalidates it in the background.
   * @default none
   */
  readonly staleWhileRevalidate?: Duration
  /**
   * `stale-if-error`: how long after it goes stale the response may still be served when the
   * origin fails.
   * @default none
   */
  readonly staleIfError?: Duration
  /**
   * `immutable`: the response never changes while fresh; browsers skip revalidation on reload.
   * @default false
   */
  readonly immutable?: boolean
  /**
   * `must-revalidate`: once stale, the response must not be served without revalidation.
   * Excludes `staleWhileRevalidate` and `staleIfError`.
   * @default false
   */
  readonly mustRevalidate?: boolean
}

/**
 * A parsed `Cache-Control` header (or a targeted field such as `CDN-Cache-Control`). Ages are
 * whole seconds, as in the header.
 */
export interface ParsedCacheControl {
  readonly public: boolean
  /** `private`, unqualified: no shared cache may store the response. */
  readonly private: boolean
  /** `no-cache`, unqualified: every reuse must be validated first. */
  readonly noCache: boolean
  readonly noStore: boolean
  readonly immutable: boolean
  readonly mustRevalidate: boolean
  /** `proxy-revalidate`: `must-revalidate` for shared caches only. */
  readonly proxyRevalidate: boolean
  /** `must-understand` (RFC 9111 §5.2.2.3): overrides `no-store` for understood statuses. */
  readonly mustUnderstand: boolean
  /**
   * `max-age` in seconds. A present but invalid value (negative, decimal, quoted with `'`) is 0:
   * RFC 9111 §4.2.1 asks for the most restrictive reading. Values past 2^31 are 2^31 (§1.2.2).
   */
  readonly maxAge?: number
  /** `s-maxage` in seconds, read as `maxAge` is. */
  readonly sMaxAge?: number
  /** `stale-while-revalidate` in seconds, when present and valid (invalid grants nothing). */
  readonly staleWhileRevalidate?: number
  /** `stale-if-error` in seconds, when present and valid (invalid grants nothing). */
  readonly staleIfError?: number
  /** Header names of a qualified `no-cache="…"`, lower-case: never reused without validation. */
  readonly noCacheFields: readonly string[]
  /** Header names of a qualified `private="…"`, lower-case: never stored by a shared cache. */
  readonly privateFields: readonly string[]
  /** Every other directive, lower-cased, with its value or `true`. */
  readonly extensions: Readonly<Record<string, string | true>>
}

/** The age directives, by option name. @internal */
export const AGE_DIRECTIVES = [
  ['maxAge', 'max-age'],
  ['sMaxAge', 's-maxage'],
  ['staleWhileRevalidate', 'stale-while-revalidate'],
  ['staleIfError', 'stale-if-error'],
] as const

/**
 * Builds a `Cache-Control` header value, e.g.
 * `cacheControl({ public: true, maxAge: '1m', staleWhileRevalidate: '1h' })` →
 * `'public, max-age=60, stale-while-revalidate=3600'`.
 * @throws InvalidOptionError for contradictory directives (`public` with `private`, `noStore`
 * with an age or `immutable`, `mustRevalidate` with a stale directive, `private` with
 * `sMaxAge`), for negative, non-finite or unparseable ages, and when no directive is given.
 */
export function cacheControl(options: CacheControlOptions): string {
  assertConsistent(options)
  const directives: string[] = []
  if (options.public) directives.push('public')
  if (options.private) directives.push('private')
  if (options.noCache) directives.push('no-cache')
  if (options.noStore) directives.push('no-store')
  for (const [option, directive] of AGE_DIRECTIVES) {
    const age = options[option]
    if (age !== undefined) directives.push(`${directive}=${toSeconds(age, option)}`)
  }
  if (options.mustRevalidate) directives.push('must-revalidate')
  if (options.immutable) directives.push('immutable')
  if (directives.length === 0) throw new InvalidOptionError('cacheControl', 'no directive given')
  return directives.join(', ')
}

function assertConsistent(options: CacheControlOptions): void {
  if (options.public && options.private) {
    throw new InvalidOptionError('public', 'a response cannot be both public and private')
  }
  if (options.noStore) {
    const conflicting = [...AGE_DIRECTIVES.map(([option]) => option), 'immutable' as const].find(
      (option) => options[option] !== undefined && options[option] !== false,
    )
    if (conflicting) {
      throw new InvalidOptionError(conflicting, 'cannot be combined with noStore')
    }
  }
  if (options.mustRevalidate) {
    const stale = options.staleWhileRevalidate !== undefined ? 'staleWhileRevalidate' : undefined
    const conflicting = stale ?? (options.staleIfError !== undefined ? 'staleIfError' : undefined)
    if (conflicting) {
      throw new InvalidOptionError(conflicting, 'mustRevalidate forbids serving stale responses')
    }
  }
  if (options.private && options.sMaxAge !== undefined) {
    throw new InvalidOptionError('sMaxAge', 'shared caches never store a private response')
  }
}

/** A duration in whole seconds, rounded up (a `500ms` max-age is 1 second, never 0). */
export function toSeconds(age: Duration, option: string): number {
  if (typeof age === 'number' && (!Number.isFinite(age) || age < 0)) {
    throw new InvalidOptionError(option, `must be a finite, non-negative duration, got ${age}`)
  }
  let ms: number
  try {
    ms = parseDuration(age, option)
  } catch (error) {
    // Ages are options of this builder: report them as such, keeping the duration's reason.
    throw new InvalidOptionError(option, error instanceof Error ? error.message : String(error))
  }
  return Math.ceil(ms / 1000)
}

/** RFC 9111 §1.2.2: a delta-seconds value too large to represent is 2^31 seconds. */
const DELTA_SECONDS_CAP = 2_147_483_648

/** Directives whose presence alone is their meaning. @internal */
export const FLAG_DIRECTIVES = {
  public: 'public',
  immutable: 'immutable',
  mustRevalidate: 'must-revalidate',
  proxyRevalidate: 'proxy-revalidate',
  mustUnderstand: 'must-understand',
  noStore: 'no-store',
} as const
/** Every directive with a field of its own in {@link ParsedCacheControl}. @internal */
export const KNOWN_DIRECTIVES: ReadonlySet<string> = new Set([
  ...Object.values(FLAG_DIRECTIVES),
  'private',
  'no-cache',
  ...AGE_DIRECTIVES.map(([, directive]) => directive),
])

/**
 * Parses a `Cache-Control` header value (several header lines joined with `, `). Lenient, as
 * headers come from elsewhere: unknown directives go to `extensions`; the first of a repeated
 * directive wins; a present but invalid `max-age` / `s-maxage` reads as 0 (stale), an invalid
 * stale directive as absent — the most restrictive reading (RFC 9111 §4.2.1).
 */
export function parseCacheControl(header: string | null | undefined): ParsedCacheControl {
  const flags = new Map<string, string | true>()
  for (const part of splitDirectives(header ?? '')) {
    const eq = part.indexOf('=')
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase()
    if (name === '' || flags.has(name)) continue
    flags.set(name, eq === -1 ? true : unquote(part.slice(eq + 1).trim()))
  }
  const ages: { -readonly [K in (typeof AGE_DIRECTIVES)[number][0]]?: number } = {}
  for (const [option, directive] of AGE_DIRECTIVES) {
    if (!flags.has(directive)) continue
    const seconds = deltaSeconds(flags.get(directive))
    const freshness = option === 'maxAge' || option === 'sMaxAge'
    if (seconds !== undefined) ages[option] = seconds
    else if (freshness) ages[option] = 0
  }
  const noCache = flags.get('no-cache')
  const privateValue = flags.get('private')
  return {
    public: flags.has(FLAG_DIRECTIVES.public),
    private: privateValue === true,
    noCache: noCache === true,
    noStore: flags.has(FLAG_DIRECTIVES.noStore),
    immutable: flags.has(FLAG_DIRECTIVES.immutable),
    mustRevalidate: flags.has(FLAG_DIRECTIVES.mustRevalidate),
    proxyRevalidate: flags.has(FLAG_DIRECTIVES.proxyRevalidate),
    mustUnderstand: flags.has(FLAG_DIRECTIVES.mustUnderstand),
    ...ages,
    noCacheFields: fieldNames(noCache),
    privateFields: fieldNames(privateValue),
    extensions: Object.fromEntries([...flags].filter(([name]) => !KNOWN_DIRECTIVES.has(name))),
  }
}

/** A delta-seconds value (digits only, leading zeros allowed), capped at 2^31. */
function deltaSeconds(value: string | true | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined
  return Math.min(Number(value), DELTA_SECONDS_CAP)
}

/** The field names of a qualified `no-cache` / `private` (an empty list for the bare form). @internal */
export function fieldNames(value: string | true | undefined): string[] {
  if (typeof value !== 'string') return []
  return value
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
}

/** Splits on commas outside quoted strings (`private="Set-Cookie, X-Token"` is one directive). */
function splitDirectives(header: string): string[] {
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (const char of header) {
    if (char === '"') quoted = !quoted
    if (char === ',' && !quoted) {
      parts.push(current)
      current = ''
    } else {
      current += char
    }
  }
  parts.push(current)
  return parts
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1)
    : value
}
