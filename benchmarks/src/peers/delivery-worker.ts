/**
 * One process of the invalidation-delivery case (forked by delivery.ts): builds one library's
 * two-tier cache over Redis, and on command writes, watches or invalidates a tagged key.
 */
import type { DeliveryCommand, DeliveryContenderId, DeliveryReport } from './delivery-protocol.js'
import { bentoTags, strataTags } from './tag-contenders.js'
import type { TagContender } from './tags.js'
import { bentoTiered, strataTiered } from './tiered-contenders.js'
import { report as send, serveParent } from './worker-loop.js'

/** Enough for every key a run reads: the watched key always fits in L1. */
const L1_MAX = 1_000
const READ_ATTEMPTS = 50

/** A tagged two-tier cache, and a hook called on every message its bus delivers. */
interface DeliveryClient extends TagContender {
  onBusMessage(listener: () => void): () => void
}

const clients: Record<DeliveryContenderId, (url: string) => DeliveryClient> = {
  strata(url) {
    const cache = strataTiered(url, L1_MAX)
    // Emitted once the message has updated the tag versions L1 checks.
    return { ...strataTags(cache), onBusMessage: (listener) => cache.on('invalidate', listener) }
  },
  bentocache(url) {
    const bento = bentoTiered(url, L1_MAX)
    return {
      ...bentoTags(bento),
      onBusMessage(listener) {
        // Emitted before bentocache applies the message: look once it has (a microtask later).
        const deferred = () => queueMicrotask(listener)
        bento.on('bus:message:received', deferred)
        return () => bento.off('bus:message:received', deferred)
      },
    }
  },
}

let client: DeliveryClient | undefined
const report = (message: DeliveryReport) => send(message)
const now = () => Number(process.hrtime.bigint())

function open(): DeliveryClient {
  if (!client) throw new Error('command before connect')
  return client
}

/** Reads `key` until it is served (from L1 after the first read), so the watch starts on a hit. */
async function readUntilHit(cache: DeliveryClient, key: string): Promise<void> {
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    if ((await cache.get(key)) !== undefined && (await cache.get(key)) !== undefined) return
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  throw new Error(`${key} is not served after ${READ_ATTEMPTS} reads`)
}

/** Reports the first read of `key` that misses: on each bus message, and every millisecond. */
async function watch(key: string, timeoutMs: number): Promise<void> {
  const cache = open()
  await readUntilHit(cache, key)
  let done = false
  const finish = (message: DeliveryReport) => {
    if (done) return
    done = true
    stopListening()
    clearInterval(poll)
    clearTimeout(timeout)
    report(message)
  }
  const check = () => {
    if (done) return
    cache.get(key).then(
      (value) => {
        if (value === undefined) finish({ kind: 'missed', atNs: now() })
      },
      (error: unknown) => finish({ kind: 'error', message: String(error) }),
    )
  }
  const stopListening = cache.onBusMessage(check)
  const poll = setInterval(check, 1)
  const timeout = setTimeout(() => finish({ kind: 'missed', atNs: null }), timeoutMs)
  report({ kind: 'watching' })
}

async function handle(command: DeliveryCommand): Promise<void> {
  switch (command.kind) {
    case 'connect':
      client = clients[command.contender](command.url)
      // Connects (and subscribes) before anything is timed.
      await client.set('delivery:warm-up', ['delivery:warm-up'])
      await client.get('delivery:warm-up')
      return report({ kind: 'ready' })
    case 'seed':
      await open().set(command.key, [command.tag])
      return report({ kind: 'seeded' })
    case 'watch':
      return watch(command.key, command.timeoutMs)
    case 'invalidate': {
      const startedNs = now()
      await open().invalidate(command.tag)
      return report({ kind: 'invalidated', startedNs, resolvedNs: now() })
    }
    case 'close':
      await client?.close()
      client = undefined
      return report({ kind: 'closed' })
    case 'exit':
      return process.disconnect()
  }
}

serveParent(handle)
