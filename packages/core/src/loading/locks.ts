/**
 * The cross-process load lock of `getOrSet(…, { lock: true })`: taking it, waiting for another
 * process's load (polling with growing pauses, cut short by its fill report on the bus), and
 * holding it with a renewed lease while the loader runs.
 *
 * @module
 */

import { randomUUID } from 'node:crypto'
import type { Entries } from '../entries/entries.js'
import type { Envelope } from '../entries/envelope.js'
import type { Store } from '../store/store.js'
import type { LoadRuntime } from './load-runtime.js'

/** A lock held while a loader runs; its lease is extended until released. */
export interface HeldLock {
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
  runtime: LoadRuntime,
  entries: Entries,
  store: Store,
  storeKey: string,
  leaseMs: number,
  waitMs: number,
): Promise<LockOutcome> {
  const access = runtime.store
  const locks = store.locks
  if (!store.capabilities.locks || !locks) return { kind: 'unavailable' }
  const lockKey = entries.keys.lockKey(storeKey)
  const owner = randomUUID()
  const tryAcquire = () =>
    access.readOrMiss('lock', storeKey, () => locks.acquire(lockKey, owner, leaseMs), undefined)
  // Waiting is measured in real time: the cache's clock may be a test's fake clock.
  const deadline = performance.now() + waitMs
  // A `filled` message on the bus ends a pause early (see FillSignals).
  const fills = runtime.fills.watch(storeKey)
  let pollMs = FIRST_POLL_MS
  let waited = false
  try {
    for (;;) {
      const acquired = await tryAcquire()
      if (acquired === undefined) return { kind: 'unavailable' }
      const entry = await entries.read(storeKey)
      if (entry && runtime.options.clock() < entry.f) {
        if (acquired)
          await access.readOrMiss('unlock', storeKey, () => locks.release(lockKey, owner), false)
        return { kind: 'filled', entry }
      }
      if (acquired)
        return { kind: 'acquired', lock: holdLock(runtime, store, lockKey, owner, leaseMs) }
      if (!waited) {
        runtime.counters.lockWaits += 1
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
  runtime: LoadRuntime,
  store: Store,
  lockKey: string,
  owner: string,
  leaseMs: number,
): HeldLock {
  const locks = store.locks!
  const timer = setInterval(
    () => {
      void runtime.store.unattended(
        'lock',
        lockKey,
        () => locks.extend(lockKey, owner, leaseMs),
        false,
      )
    },
    Math.max(1, Math.floor(leaseMs / 2)),
  )
  timer.unref?.()
  return {
    async release() {
      clearInterval(timer)
      await runtime.store.readOrMiss('unlock', lockKey, () => locks.release(lockKey, owner), false)
    },
  }
}
