/** Key orders the benchmarks read in: round robin, and a fixed pseudo-random permutation. */

/** Returns the keys one after the other, starting over at the end. */
export function cycle(keys: readonly string[]): () => string {
  let cursor = 0
  return () => keys[cursor++ % keys.length] as string
}

/**
 * The keys in a shuffled order that is the same on every run (Fisher–Yates with a fixed
 * Park–Miller generator): reads that jump around a large map, as real traffic does, without
 * making two runs read in different orders.
 */
export function shuffled(keys: readonly string[], seed = 42): string[] {
  const order = [...keys]
  let state = seed
  for (let i = order.length - 1; i > 0; i--) {
    state = (state * 16807) % 2147483647
    const j = state % (i + 1)
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  return order
}
