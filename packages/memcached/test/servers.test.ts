import { InvalidOptionError } from '@strata/cache-core'
import { describe, expect, it } from 'vitest'
import { parseServerAddress } from '../src/servers.js'
import { createStoreFromUrl } from '../src/url.js'

describe('parseServerAddress', () => {
  it('reads host, port, IPv6 and credentials', () => {
    expect(parseServerAddress('cache1')).toMatchObject({
      host: 'cache1',
      port: 11211,
      name: 'cache1:11211',
    })
    expect(parseServerAddress('10.0.0.1:11300')).toMatchObject({ host: '10.0.0.1', port: 11300 })
    expect(parseServerAddress('[::1]:11212')).toMatchObject({
      host: '::1',
      port: 11212,
      name: '[::1]:11212',
    })
    expect(parseServerAddress('u%40x:p%3Aw@h:1')).toMatchObject({
      host: 'h',
      port: 1,
      username: 'u@x',
      password: 'p:w',
    })
  })

  it('rejects what is not an address', () => {
    for (const bad of ['', 'h:0', 'h:70000', 'h:port', 'a:b:c', 'h/x']) {
      expect(() => parseServerAddress(bad)).toThrow(InvalidOptionError)
    }
  })
})

describe('createStoreFromUrl', () => {
  it('creates a store over every listed server and owns its client', async () => {
    const store = createStoreFromUrl('memcached://h1:11211,h2:11212,[::1]')
    try {
      expect(store.name).toBe('memcached')
      const client = (store as unknown as { client: { servers: { host: string; port: number }[] } })
        .client
      expect(client.servers.map((s) => `${s.host}:${s.port}`)).toEqual([
        'h1:11211',
        'h2:11212',
        '::1:11211',
      ])
    } finally {
      await store.close()
    }
  })

  it('applies credentials to every server', async () => {
    const store = createStoreFromUrl('memcached://user:secret@h1,h2')
    try {
      const client = (store as unknown as { client: { servers: { username: string }[] } }).client
      expect(client.servers.map((s) => s.username)).toEqual(['user', 'user'])
    } finally {
      await store.close()
    }
  })

  it('rejects other schemes, paths and empty server lists without leaking a password', () => {
    for (const bad of [
      'redis://h:6379',
      'memcached://',
      'memcached://h1,,h2',
      'memcached://u:pw@h/x',
    ]) {
      expect(() => createStoreFromUrl(bad)).toThrow(InvalidOptionError)
    }
    expect(() => createStoreFromUrl('memcached://u:pw@h/x')).toThrow(/u:\*\*\*@/)
  })
})
