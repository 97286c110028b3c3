import { Redis } from 'ioredis'
import type { BusConnections } from 'test-servers/soak'

/** The subscriber connections of the server at `url`: the buses' connections, for soak faults. */
export function subscribers(url: string): BusConnections {
  const admin = async <T>(run: (client: Redis) => Promise<T>): Promise<T> => {
    const client = new Redis(url, { maxRetriesPerRequest: 0, lazyConnect: true })
    try {
      await client.connect()
      return await run(client)
    } finally {
      client.disconnect()
    }
  }
  return {
    count: () =>
      admin(async (client) => {
        const list = String(await client.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
        return list.split('\n').filter((line) => line.includes('sub=1')).length
      }),
    cut: () =>
      admin(async (client) => Number(await client.call('CLIENT', 'KILL', 'TYPE', 'pubsub'))),
  }
}
