/**
 * Targeted cache fields (RFC 9213): `CDN-Cache-Control` and any other field a cache is told it
 * is the target of. The first valid, non-empty field of the target list replaces
 * `Cache-Control` and `Expires` for this cache; an invalid one is ignored.
 */
import {
  AGE_DIRECTIVES,
  FLAG_DIRECTIVES,
  fieldNames,
  KNOWN_DIRECTIVES,
  type ParsedCacheControl,
} from './cache-control.js'
import { type BareItem, parseDictionary } from './structured-fields.js'

/**
 * The directives of the first field named in `targets` (in that order) that is present, a
 * valid Structured Field Dictionary and not empty; `undefined` when there is none, so the
 * cache falls back to `Cache-Control` and `Expires`. A directive whose value has the wrong
 * type (`max-age="60"`) is ignored.
 */
export function targetedDirectives(
  headers: Headers,
  targets: readonly string[],
): { readonly field: string; readonly directives: ParsedCacheControl } | undefined {
  for (const field of targets) {
    const value = headers.get(field)
    if (value === null) continue
    const dictionary = parseDictionary(value)
    if (dictionary === undefined || dictionary.size === 0) continue
    return { field, directives: toDirectives(dictionary) }
  }
  return undefined
}

function toDirectives(dictionary: ReadonlyMap<string, BareItem>): ParsedCacheControl {
  const flag = (name: string) => isTrue(dictionary.get(name))
  const ages: { -readonly [K in (typeof AGE_DIRECTIVES)[number][0]]?: number } = {}
  for (const [option, directive] of AGE_DIRECTIVES) {
    const item = dictionary.get(directive)
    if (item?.type === 'number' && item.integer && item.value >= 0) ages[option] = item.value
  }
  return {
    public: flag(FLAG_DIRECTIVES.public),
    private: flag('private'),
    noCache: flag('no-cache'),
    noStore: flag(FLAG_DIRECTIVES.noStore),
    immutable: flag(FLAG_DIRECTIVES.immutable),
    mustRevalidate: flag(FLAG_DIRECTIVES.mustRevalidate),
    proxyRevalidate: flag(FLAG_DIRECTIVES.proxyRevalidate),
    mustUnderstand: flag(FLAG_DIRECTIVES.mustUnderstand),
    ...ages,
    noCacheFields: fieldNames(stringValue(dictionary.get('no-cache'))),
    privateFields: fieldNames(stringValue(dictionary.get('private'))),
    extensions: Object.fromEntries(
      [...dictionary.keys()]
        .filter((key) => !KNOWN_DIRECTIVES.has(key))
        .map((key) => [key, true] as const),
    ),
  }
}

function isTrue(item: BareItem | undefined): boolean {
  return item?.type === 'boolean' && item.value
}

/** `no-cache="a, b"`: the qualified form is a String of field names. */
function stringValue(item: BareItem | undefined): string | undefined {
  return item?.type === 'string' ? item.value : undefined
}
