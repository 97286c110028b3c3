/**
 * The key layout: how user keys, namespaces, scopes, tags, generations, locks and the bus
 * channel become store keys, injectively.
 *
 * @module
 */

import { InvalidKeyError, InvalidOptionError } from '../errors.js'
import { RecentKeys } from './recent-keys.js'

// Segments are escaped as encodeURIComponent escapes them: every character with a meaning in the
// key layout (`:`, `@`, `#`, `=`, `,`, `%`), what memcached and Redis Cluster treat specially
// (whitespace, control characters, braces) and non-ASCII. It leaves only `A-Za-z0-9-_.!~*'()`.
const SAFE = /^[A-Za-z0-9\-_.!~*'()]*$/
const SAFE_BUT_COLONS = /^[A-Za-z0-9\-_.!~*'():]*$/

/**
 * Escapes one key segment so it contains none of the layout characters. Injective: two
 * different inputs never give the same output (percent-encoding escapes `%` itself; a lone
 * UTF-16 surrogate, which has no UTF-8 form, becomes `%uXXXX`, a form the rest never produces).
 */
export function escapeSegment(segment: string): string {
  if (SAFE.test(segment)) return segment
  // The commonest keys that need escaping are `user:42`: escaping their colons here costs about
  // a thousand instructions less than encodeURIComponent's call into the runtime, on every read
  // of a key whose encoding is no longer remembered. Same result.
  if (SAFE_BUT_COLONS.test(segment)) return escapeColons(segment)
  return encodeAny(segment)
}

/**
 * The caller's key whose escaped form is `segment`, or `undefined` when `segment` is not what
 * {@link escapeSegment} gives for any key (a key space's stores use it to recognise their own
 * keys in a stored key; see `Store.keySpace`).
 */
export function unescapeSegment(segment: string): string | undefined {
  // A colon ends a namespace segment: what follows is another namespace's key.
  if (segment.includes(':')) return undefined
  let key = segment
  if (segment.includes('%')) {
    try {
      key = segment.replace(LONE_SURROGATE_OR_ESCAPES, (_, surrogate, escapes) =>
        surrogate === undefined
          ? decodeURIComponent(escapes)
          : String.fromCharCode(parseInt(surrogate, 16)),
      )
    } catch {
      return undefined
    }
  }
  // Escaping back is what makes the answer exact: `a%3a`, `%41` or a raw `:` decode to keys that
  // escape to something else, so they are not a key's escaped form.
  return key.length > 0 && escapeSegment(key) === segment ? key : undefined
}

const LONE_SURROGATE_OR_ESCAPES = /%u(d[89a-f][0-9a-f]{2})|((?:%[0-9A-F]{2})+)/g

/** A key core accepts: a non-empty string. @throws InvalidKeyError otherwise. */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError(key)
}

function escapeColons(segment: string): string {
  let out = ''
  let from = 0
  for (let at = segment.indexOf(':'); at !== -1; at = segment.indexOf(':', from)) {
    out += `${segment.slice(from, at)}%3A`
    from = at + 1
  }
  return out + segment.slice(from)
}

/** encodeURIComponent, and `%uXXXX` for a lone surrogate (which it rejects). */
function encodeAny(segment: string): string {
  try {
    return encodeURIComponent(segment)
  } catch {
    let out = ''
    for (const char of segment) {
      const code = char.codePointAt(0)!
      out += code >= 0xd800 && code <= 0xdfff ? `%u${code.toString(16)}` : encodeURIComponent(char)
    }
    return out
  }
}

function checkedTag(tag: string): string {
  if (typeof tag !== 'string' || tag.length === 0)
    throw new InvalidOptionError('tags', `tags are non-empty strings, got ${String(tag)}`)
  return tag
}

/** Attributes of a scope: tenant, role, locale or any other dimension that changes a value. */
export type ScopeAttributes = Readonly<Record<string, string | number | boolean | undefined>>

/**
 * Where one cache (a root, a namespace or a scope) keeps its keys. Layout:
 * - data:     `<root>:<segment>:…:<key>` (a namespace segment is `name` or `name@version`,
 *             a scope segment is `~attr=value,…` with attributes sorted; only scope segments
 *             contain a raw `=`);
 * - counters: `<root>#t:<tag>` for tags, `<root>#x:<tag>` for their soft expiries,
 *             `<root>#g:<data prefix>` for namespace generations;
 * - locks:    `<root>#l:<data key without root>`; bus channel: `<root>#bus`.
 * Every user-supplied part is escaped, so the encoding is injective and a prefix never matches
 * a sibling namespace or scope (`t` vs `t:x`, `t*`).
 */
export class KeySpace {
  /** The prefix of every data key of this cache, ending in `:`. */
  readonly prefix: string
  /** Encodings of hot keys. */
  private readonly recent = new RecentKeys()
  private constructor(
    readonly root: string,
    private readonly segments: readonly string[],
    /** The root's name and the namespace path under it (`'users/admins'`), without scopes. */
    readonly names: { readonly cache: string; readonly namespace: string },
  ) {
    this.prefix = `${[root, ...segments].join(':')}:`
  }

  /** The key space of a root cache. */
  static root(namespace: string, version?: string | number): KeySpace {
    return new KeySpace(namespaceSegment(namespace, version, 'namespace'), [], {
      cache: namespace,
      namespace: '',
    })
  }

  /** A child namespace. */
  namespace(name: string, version?: string | number): KeySpace {
    const path = this.names.namespace === '' ? name : `${this.names.namespace}/${name}`
    return new KeySpace(
      this.root,
      [...this.segments, namespaceSegment(name, version, 'namespace')],
      { cache: this.names.cache, namespace: path },
    )
  }

  /** A child scope. */
  scope(attributes: ScopeAttributes): KeySpace {
    const pairs = Object.entries(attributes)
      .filter((pair): pair is [string, string | number | boolean] => pair[1] !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => `${escapeSegment(name)}=${escapeSegment(String(value))}`)
    if (pairs.length === 0) throw new InvalidOptionError('scope', 'needs at least one attribute')
    // A scope's values never reach the names: they may be personal, and are unbounded.
    return new KeySpace(this.root, [...this.segments, `~${pairs.join(',')}`], this.names)
  }

  /** The stored key of a user key. */
  dataKey(key: string): string {
    const known = this.recent.get(key)
    if (known !== undefined) return known
    checkKey(key)
    const encoded = this.prefix + escapeSegment(key)
    this.recent.remember(key, encoded)
    return encoded
  }

  /** The counter holding a tag's version (tags are shared by every namespace of one root). */
  tagKey(tag: string): string {
    return `${this.root}#t:${escapeSegment(checkedTag(tag))}`
  }

  /** The counter of a tag's soft expiries (`expireTags`), shared like {@link tagKey}. */
  expiryKey(tag: string): string {
    return `${this.root}#x:${escapeSegment(checkedTag(tag))}`
  }

  /** The lock guarding the load of a stored key. */
  lockKey(dataKey: string): string {
    return `${this.root}#l:${dataKey.slice(this.root.length + 1)}`
  }

  /**
   * The generation counters of this cache and of each ancestor, outermost first. Stores that
   * cannot clear by prefix clear a namespace by bumping its generation.
   */
  generationKeys(): string[] {
    const keys: string[] = []
    let prefix = `${this.root}:`
    keys.push(`${this.root}#g:${prefix}`)
    for (const segment of this.segments) {
      prefix += `${segment}:`
      keys.push(`${this.root}#g:${prefix}`)
    }
    return keys
  }

  /** The invalidation bus channel shared by every cache with this root. */
  get busChannel(): string {
    return `${this.root}#bus`
  }
}

function namespaceSegment(name: string, version: string | number | undefined, option: string) {
  if (typeof name !== 'string' || name.length === 0)
    throw new InvalidOptionError(option, 'must be a non-empty string')
  if (version === undefined) return escapeSegment(name)
  if (typeof version === 'number' && !Number.isFinite(version))
    throw new InvalidOptionError('version', 'must be a finite number or a string')
  return `${escapeSegment(name)}@${escapeSegment(String(version))}`
}
