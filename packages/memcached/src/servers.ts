/**
 * Server addresses (`host:port`, `[v6]:port`, `user:password@host:port`), parsed.
 *
 * @module
 */

import { InvalidOptionError } from '@strata/cache-core'

/** memcached's default port. */
export const DEFAULT_PORT = 11211

/** One server address, parsed. */
export interface ServerAddress {
  readonly host: string
  readonly port: number
  readonly username?: string | undefined
  readonly password?: string | undefined
  /** `host:port`, the server's name on the hash ring. */
  readonly name: string
}

const ADDRESS = /^(?:([^:@]*)(?::([^@]*))?@)?(?:\[([^\]]+)\]|([^:[\]@/]+))(?::(\d{1,5}))?$/

/**
 * Parses `host`, `host:port`, `[v6]:port` and `user:password@host:port` (credentials
 * percent-decoded).
 * @throws InvalidOptionError when the address does not have that form.
 */
export function parseServerAddress(address: string, option = 'servers'): ServerAddress {
  const match = ADDRESS.exec(address.trim())
  const host = match?.[3] ?? match?.[4]
  const port = match?.[5] === undefined ? DEFAULT_PORT : Number(match[5])
  if (match === null || host === undefined || port < 1 || port > 65535) {
    throw new InvalidOptionError(option, `"${address}" is not a memcached address (host:port)`)
  }
  const username = match[1] === undefined ? undefined : decodeURIComponent(match[1])
  const password = match[2] === undefined ? undefined : decodeURIComponent(match[2])
  const name = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
  return { host, port, username, password, name }
}
