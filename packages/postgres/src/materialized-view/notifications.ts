/**
 * The messages instances of one view send each other over LISTEN/NOTIFY: "marked stale" and
 * "refreshed to generation g". Their JSON shape is written and read here only. The channel may
 * be shared with other views and other senders, so anything that is not ours is ignored.
 */

/** A message about one view, as read from the channel. */
export type ViewNotice =
  | { readonly view: string; readonly event: 'stale' }
  | { readonly view: string; readonly event: 'refreshed'; readonly generation: number }

/** The payload announcing that `view` was marked stale. */
export function staleNotice(view: string): string {
  return JSON.stringify({ v: view, e: 'stale' })
}

/** The payload announcing that `view` was refreshed, reaching `generation`. */
export function refreshedNotice(view: string, generation: number): string {
  return JSON.stringify({ v: view, e: 'refreshed', g: generation })
}

/** Reads a payload; `undefined` when it is not one of ours. */
export function parseNotice(payload: string): ViewNotice | undefined {
  let value: unknown
  try {
    value = JSON.parse(payload)
  } catch {
    return undefined // not one of ours: the channel is shared with whoever else NOTIFYs on it
  }
  if (typeof value !== 'object' || value === null) return undefined
  const { v, e, g } = value as { v?: unknown; e?: unknown; g?: unknown }
  if (typeof v !== 'string') return undefined
  if (e === 'stale') return { view: v, event: 'stale' }
  if (e === 'refreshed')
    return { view: v, event: 'refreshed', generation: typeof g === 'number' ? g : 0 }
  return undefined
}
