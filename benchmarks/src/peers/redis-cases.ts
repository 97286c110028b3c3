import { fillBackend, getHitCase, getManyCase } from './backend-cases.js'
import type { ThroughputCase } from './throughput.js'

/** Writes every key the Redis cases read. */
export const fillRedis = fillBackend

export const redisCases: ThroughputCase[] = [
  getHitCase('Redis', 1),
  getHitCase('Redis', 100),
  getManyCase('Redis', 'raw ioredis uses MGET; bentocache has no getMany'),
]
