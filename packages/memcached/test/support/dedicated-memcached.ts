import { type StartedMemcached, type StartedMemcachedServer, startMemcached } from 'test-servers'
import { afterAll, beforeAll } from 'vitest'

/** A fault suite's own memcached server and the unhandled rejections seen while it runs. */
export interface DedicatedMemcached {
  /** `127.0.0.1:<port>` of the server. */
  readonly url: string
  /** The server, with its fault controls. */
  readonly server: StartedMemcachedServer
  /**
   * Every `unhandledRejection` of the process since the suite started: a store must never leave
   * one behind when its server dies. Clear it where the suite's tests start counting.
   */
  readonly unhandled: unknown[]
}

/**
 * Starts a memcached server for the calling `describe` in `beforeAll` (fault tests kill and
 * freeze it, so it cannot be the shared one) and records unhandled rejections until `afterAll`
 * stops it. Read `url` and `server` inside hooks and tests, not in the `describe` body.
 */
export function dedicatedMemcached(): DedicatedMemcached {
  let memcached: StartedMemcached | undefined
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  const started = (): StartedMemcached => {
    if (memcached === undefined) throw new Error('the dedicated memcached has not started yet')
    return memcached
  }

  beforeAll(async () => {
    memcached = await startMemcached()
    process.on('unhandledRejection', onUnhandled)
  })
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled)
    await memcached?.stop()
  })

  return {
    unhandled,
    get url() {
      return started().url
    },
    get server() {
      return started().servers[0]!
    },
  }
}
