import { fillBackend, getHitCase, getManyCase } from './backend-cases.js'
import type { ThroughputCase } from './throughput.js'

/** Writes every key the Redis cases read. */
export const fillRedis = fillBackend

const GET_MANY_NOTE = 'raw ioredis uses MGET; bentocache has no getMany'

export const redisCases: ThroughputCase[] = [
  getHitCase('Redis', 1),
  getHitCase('Redis', 100),
  getManyCase('Redis', GET_MANY_NOTE),
  getManyCase('Redis', GET_MANY_NOTE, 100),
]
