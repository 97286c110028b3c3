/**
 * The Lua scripts of the store (lock release and extension, counter creation) and how they are
 * sent: by SHA1, in full only when the server does not know them.
 *
 * @module
 */

import { createHash } from 'node:crypto'
import type { RedisClient } from './connection.js'

/** A Lua script sent by SHA1, and in full only when the server does not know it yet. */
export interface LuaScript {
  readonly source: string
  readonly sha1: string
}

/** Prepares a Lua script for {@link runScript}. */
export function luaScript(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') }
}

/**
 * Runs `script` on the node that owns `key` (its only key). EVALSHA first; the full source on
 * NOSCRIPT (first use, server restart, SCRIPT FLUSH, or another Cluster node).
 */
export async function runScript(
  client: RedisClient,
  script: LuaScript,
  key: string,
  ...args: (string | number)[]
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha1, 1, key, ...args)
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error
    return await client.eval(script.source, 1, key, ...args)
  }
}

/** Deletes the lock only while `owner` (ARGV[1]) still holds it. */
export const RELEASE_LOCK = luaScript(
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
)

/** Sets a new lease (ARGV[2] ms) only while `owner` (ARGV[1]) still holds the lock. */
export const EXTEND_LOCK = luaScript(
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end",
)

/**
 * INCRBY (ARGV[1]) that creates a missing counter at the server's current time in microseconds
 * instead of 0. A Redis that evicts keys (`maxmemory-policy allkeys-*`) can drop a counter;
 * created again at 0 it would repeat versions that entries already captured, and bring
 * invalidated entries back. The clock only moves forward, so a recreated counter starts above
 * every value it had before (unless it grew faster than a million a second). Microseconds since
 * 1970 stay exact as JavaScript numbers until the year 2255.
 */
export const INCREMENT_COUNTER = luaScript(
  "if redis.call('exists', KEYS[1]) == 0 then local now = redis.call('time') redis.call('set', KEYS[1], now[1] .. string.format('%06d', tonumber(now[2]))) end return redis.call('incrby', KEYS[1], ARGV[1])",
)
