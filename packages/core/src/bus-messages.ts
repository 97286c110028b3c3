/**
 * What caches of one root say to each other on the store's bus. Each message names the
 * instance that sent it, so a cache ignores its own; unknown messages are ignored, so a newer
 * message kind never breaks an older process.
 * @internal
 */
export type BusMessage =
  /** Tags invalidated by another process. */
  | { readonly kind: 'invalidated'; readonly tags: string[] }
  /** Another process holding the load lock of `storeKey` has stored its value. */
  | { readonly kind: 'filled'; readonly storeKey: string }

/** @internal */
export function invalidatedMessage(sender: string, tags: readonly string[]): string {
  return JSON.stringify({ v: 1, o: sender, tags })
}

/** @internal */
export function filledMessage(sender: string, storeKey: string): string {
  return JSON.stringify({ v: 1, o: sender, filled: storeKey })
}

/** @returns another instance's message, or undefined for our own and for anything unknown. */
export function parseBusMessage(message: string, self: string): BusMessage | undefined {
  let parsed: { v?: unknown; o?: unknown; tags?: unknown; filled?: unknown }
  try {
    parsed = JSON.parse(message)
  } catch {
    return undefined
  }
  if (parsed === null || typeof parsed !== 'object' || parsed.v !== 1 || parsed.o === self)
    return undefined
  if (Array.isArray(parsed.tags)) {
    const tags = parsed.tags.filter((tag): tag is string => typeof tag === 'string')
    return { kind: 'invalidated', tags }
  }
  if (typeof parsed.filled === 'string') return { kind: 'filled', storeKey: parsed.filled }
  return undefined
}
