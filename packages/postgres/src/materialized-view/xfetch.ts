/**
 * XFetch (Vattani, Chierichetti, Lowenstein, VLDB 2015) applied to a view: refresh early when
 * `now - delta * beta * ln(U) >= freshUntil`, with `delta` the last refresh's duration and U
 * uniform in (0, 1] (`1 - random()`, so `ln` never sees 0). At or past `freshUntil` it always
 * answers `true`.
 */
export function shouldRefreshEarly(
  now: number,
  freshUntil: number,
  deltaMs: number,
  beta: number,
  random: () => number,
): boolean {
  if (now >= freshUntil) return true
  if (beta === 0 || deltaMs <= 0) return false
  return now - deltaMs * beta * Math.log(1 - random()) >= freshUntil
}
