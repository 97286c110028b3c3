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

/** The values of `names` in `request` (`null` when absent), in the same order. */
export function varyValues(request: Request, names: readonly string[]): (string | null)[] {
  return names.map((name) => request.headers.get(name))
}

/** Whether two lists of names or values are equal, element by element. */
export function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index])
}
