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
