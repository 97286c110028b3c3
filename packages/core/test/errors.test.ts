import { expect, test } from 'vitest'
import {
  InvalidDurationError,
  InvalidKeyError,
  StoreError,
  StoreTimeoutError,
} from '../src/index.js'

test('StoreTimeoutError names the store and the limit, and keeps the driver error as cause', () => {
  const driverError = new Error('Command timed out')
  const error = new StoreTimeoutError('redis', 'get', 250, { cause: driverError })
  expect(error).toBeInstanceOf(StoreError)
  expect(error).toMatchObject({ code: 'E_STORE_TIMEOUT', store: 'redis', operation: 'get' })
  expect(error.timeoutMs).toBe(250)
  expect(error.message).toBe('Store "redis" failed on get: no answer within 250 ms')
  expect(error.cause).toBe(driverError)
})

test("StoreTimeoutError from core's own timer has no cause", () => {
  expect(Object.hasOwn(new StoreTimeoutError('redis', 'get', 250), 'cause')).toBe(false)
})

test('a bad value shows as itself when short and plain, else by its kind (never its contents)', () => {
  const shown = [undefined, null, '', 42, true, { secret: 'x' }, ['a'], Symbol('s'), () => 1].map(
    (key) => new InvalidKeyError(key).message,
  )
  expect(shown).toEqual(
    [
      'undefined',
      'null',
      '""',
      '42',
      'true',
      'an object',
      'an array',
      'a symbol',
      'a function',
    ].map((kind) => `Invalid cache key (${kind}): keys are non-empty strings`),
  )
  expect(new InvalidDurationError('ttl', { ms: 5 }, 'not a duration').message).toBe(
    'Invalid duration for "ttl" (an object): not a duration',
  )
})
