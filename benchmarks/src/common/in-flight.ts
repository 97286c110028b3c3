/** Starts `count` calls at once and waits for them all: how "N in flight" is measured. */
export function inFlight(count: number, call: () => unknown): Promise<unknown> {
  if (count === 1) return Promise.resolve(call())
  const calls: unknown[] = []
  for (let i = 0; i < count; i++) calls.push(call())
  return Promise.all(calls)
}

/**
 * Runs `task` once per item with at most `limit` running at a time; used to fill a server or
 * read it back quickly without opening one promise per key at once.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => unknown,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      await task(items[index] as T, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}
