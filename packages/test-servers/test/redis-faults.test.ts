import { connect as connectTcp } from 'node:net'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { type StartedRedis, startRedis } from '../src/index.js'
import { describeWithServers } from '../src/vitest.js'

const COMMAND_TIMEOUT_MS = 500

/** Resolves with the socket error code of a plain TCP connection attempt. */
function connectionError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(undefined)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code))
  })
}

/** A client that fails fast instead of queueing commands while the server is away. */
function fastFailingClient(url: string, errors: Error[]): Redis {
  const client = new Redis(url, {
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => 50,
    lazyConnect: true,
  })
  // Reconnection errors while the server is down are expected here; keep them for assertions.
  client.on('error', (error: Error) => errors.push(error))
  return client
}

describeWithServers('dedicated Redis fault controls', () => {
  let redis: StartedRedis
  const clients: Redis[] = []
  const clientErrors: Error[] = []

  async function connect(): Promise<Redis> {
    const client = fastFailingClient(redis.url, clientErrors)
    clients.push(client)
    await client.connect()
    return client
  }

  beforeAll(async () => {
    redis = await startRedis({ renameCommands: { FLUSHDB: '', FLUSHALL: '', KEYS: '' } })
  })

  afterEach(() => {
    for (const client of clients.splice(0)) client.disconnect()
  })

  afterAll(async () => {
    await redis?.stop()
  })

  it('disables renamed commands', async () => {
    const client = await connect()
    await expect(client.flushdb()).rejects.toThrow(/unknown command/i)
    await expect(client.keys('*')).rejects.toThrow(/unknown command/i)
  })

  it('a paused server makes commands time out; after unpause it answers', async () => {
    const client = await connect()
    await redis.pause()
    await expect(client.ping()).rejects.toThrow(/timed out/i)
    await redis.unpause()
    expect(await client.ping()).toBe('PONG')
  })

  it('restart keeps the port', async () => {
    const port = redis.port
    await redis.restart()
    expect(redis.port).toBe(port)
    const client = await connect()
    expect(await client.ping()).toBe('PONG')
  })

  it('kill drops the server until restart brings it back on the same port', async () => {
    const client = await connect()
    await redis.kill()
    await expect(client.ping()).rejects.toThrow()
    expect(await connectionError(redis.port)).toBe('ECONNREFUSED')
    await redis.restart()
    const fresh = await connect()
    expect(await fresh.ping()).toBe('PONG')
  })
})
