/**
 * The memjs client the store creates from server addresses: fail-fast defaults under the
 * user's options, and consistent hashing over several servers.
 *
 * @module
 */

import { InvalidOptionError } from '@strata/cache-core'
import { Client, Server } from 'memjs'
import { HashRing } from './hash-ring.js'
import { DEFAULT_MEMJS_OPTIONS, type MemjsOptions } from './options.js'
import { parseServerAddress } from './servers.js'

/**
 * Creates a memjs client for `servers` with the store's defaults under the user's options, and
 * consistent hashing over several servers when asked.
 */
export function createClient(
  servers: readonly string[],
  userOptions: MemjsOptions | undefined,
  consistentHashing: boolean,
): Client {
  if (servers.length === 0) throw new InvalidOptionError('servers', 'needs at least one server')
  const options: MemjsOptions = { ...DEFAULT_MEMJS_OPTIONS, ...userOptions }
  const addresses = servers.map((server) => parseServerAddress(server))
  const client = new Client(
    addresses.map(
      (address) =>
        new Server(address.host, address.port, address.username, address.password, options),
    ),
    options,
  )
  if (consistentHashing && addresses.length > 1) {
    const ring = new HashRing(addresses.map((address) => address.name))
    // memjs asks `getServer` for the index of a key's server (its typings say string).
    ;(client as unknown as { getServer(key: string): number }).getServer = (key) =>
      ring.serverFor(key)
  }
  return client
}
