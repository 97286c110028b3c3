import calculateSlot from 'cluster-key-slot'
import { expect, test } from 'vitest'
import { escapeGlob } from '../src/clear.js'
import { reconnectDelay } from '../src/connection.js'
import { groupBySlot } from '../src/slots.js'
import { toPx } from '../src/ttl.js'

test('escapeGlob escapes exactly the SCAN MATCH metacharacters', () => {
  expect(escapeGlob('plain:key-%#')).toBe('plain:key-%#')
  expect(escapeGlob('a*b?c[d]e\\f')).toBe('a\\*b\\?c\\[d\\]e\\\\f')
})

test('groupBySlot keeps indices in order within each slot', () => {
  const keys = ['{x}a', 'b', '{x}c', 'd', '{x}e']
  const groups = groupBySlot(keys)
  expect(groups.get(calculateSlot('x'))).toEqual([0, 2, 4])
  const all = [...groups.values()].flat().sort()
  expect(all).toEqual([0, 1, 2, 3, 4])
})

test('toPx rounds up to whole milliseconds, at least 1', () => {
  expect(toPx(1)).toBe(1)
  expect(toPx(0.01)).toBe(1)
  expect(toPx(0)).toBe(1)
  expect(toPx(1000.2)).toBe(1001)
})

test('reconnectDelay doubles from 50 ms and stays capped at 1 s', () => {
  expect([1, 2, 3, 4, 5, 6, 7, 100].map(reconnectDelay)).toEqual([
    50, 100, 200, 400, 800, 1000, 1000, 1000,
  ])
})
