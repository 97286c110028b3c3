/** `Vary`: the request header names a response varies on, and how requests are matched by them. */

/**
 * The request header names of a `Vary` header, lower-cased, unique and sorted, so two orders of
 * one list share cache entries. `['*']` means the response varies on something beyond headers.
 */
export function varyNames(header: string | null): string[] {
  if (header === null) return []
  const names = header
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
  if (names.includes('*')) return ['*']
  return [...new Set(names)].sort()
}

/** Fields whose values compare case-insensitively (language tags, codings, media types). */
const CASE_INSENSITIVE = new Set(['accept', 'accept-charset', 'accept-encoding', 'accept-language'])

/**
 * The values of `names` in `request` (`null` when absent), in the same order, normalised as
 * RFC 9111 §4.1 allows: whitespace around list commas removed, case folded where the field is
 * case-insensitive. Several header lines arrive joined with `, `, so they match one line.
 */
export function varyValues(request: Request, names: readonly string[]): (string | null)[] {
  return names.map((name) => {
    const value = request.headers.get(name)
    if (value === null) return null
    const normalised = value
      .split(',')
      .map((member) => member.trim())
      .join(',')
    return CASE_INSENSITIVE.has(name) ? normalised.toLowerCase() : normalised
  })
}

/** Whether two lists of names or values are equal, element by element. */
export function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index])
}
