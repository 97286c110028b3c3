import { randomUUID } from 'node:crypto'
import { filledMessage } from './bus-messages.js'
import type { Entries } from './entries.js'
import type { Envelope } from './envelope.js'
import type { Store } from './store.js'

/** A lock held while a loader runs; its lease is extended until released. */
export interface HeldLock {
  /** Tells waiters in other processes, over the bus, that the value is stored (in background). */
  announceFilled(): void
  release(): Promise<void>
}

/** The outcome of asking for the load lock of a key. */
export type LockOutcome =
  | { readonly kind: 'acquired'; readonly lock: HeldLock }
  | { readonly kind: 'filled'; readonly entry: Envelope }
  | { readonly kind: 'unavailable' }

const FIRST_POLL_MS = 5
const MAX_POLL_MS = 200

/**
 * Takes the cross-process lock of `storeKey`, or waits until its holder has stored a fresh
 * value: polling with growing pauses, each cut short when the holder announces the value on the
 * bus. `'unavailable'` means: load without the lock (wait elapsed, or the store failed).
 */
export async function acquireLoadLock(
  entries: Entries,
  store: Store,
  storeKey: string,
  leaseMs: number,
  waitMs: number,
): Promise<LockOutcome> {
  const { ctx } = entries
  const locks = store.locks
  if (!store.capabilities.locks || !locks) return { kind: 'unavailable' }
  const lockKey = entries.keys.lockKey(storeKey)
  const owner = randomUUID()
  const tryAcquire = () =>
    ctx.read('lock', storeKey, () => locks.acquire(lockKey, owner, leaseMs), undefined)
  // Waiting is measured in real time: the cache's clock may be a test's fake clock.
  const deadline = performance.now() + waitMs
  // A `filled` message on the bus ends a pause early (see FillSignals).
  const fills = ctx.fills.watch(storeKey)
  let pollMs = FIRST_POLL_MS
  let waited = false
  try {
    for (;;) {
      const acquired = await tryAcquire()
      if (acquired === undefined) return { kind: 'unavailable' }
      const entry = await entries.read(storeKey)
      if (entry && ctx.options.clock() < entry.f) {
        if (acquired) await ctx.read('unlock', storeKey, () => locks.release(lockKey, owner), false)
        return { kind: 'filled', entry }
      }
      if (acquired)
        return { kind: 'acquired', lock: holdLock(entries, store, storeKey, owner, leaseMs) }
      if (!waited) {
        ctx.counters.lockWaits += 1
        waited = true
      }
      const now = performance.now()
      if (now >= deadline) return { kind: 'unavailable' }
      await fills.pause(Math.min(pollMs, deadline - now))
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS)
    }
  } finally {
    fills.stop()
  }
}

function holdLock(
  entries: Entries,
  store: Store,
  storeKey: string,
  owner: string,
  leaseMs: number,
): HeldLock {
  const { ctx } = entries
  const locks = store.locks!
  const lockKey = entries.keys.lockKey(storeKey)
  const timer = setInterval(
    () => {
      void ctx.read('lock', lockKey, () => locks.extend(lockKey, owner, leaseMs), false)
    },
    Math.max(1, Math.floor(leaseMs / 2)),
  )
  timer.unref?.()
  return {
    announceFilled() {
      const message = filledMessage(ctx.instanceId, storeKey)
      ctx.track(
        ctx
          .publish(entries.keys.busChannel, storeKey, message)
          .catch((error: unknown) => ctx.reportError('publish', storeKey, error)),
      )
    },
    async release() {
      clearInterval(timer)
      await ctx.read('unlock', lockKey, () => locks.release(lockKey, owner), false)
    },
  }
}
