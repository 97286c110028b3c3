/**
 * What a memcached store declares it can and cannot do: the conformance suite runs against it and
 * checks the store reports exactly this, and store.test pins it.
 */
export const memcachedCapabilities = {
  records: 'bytes',
  ttlResolutionMs: 1000,
  maxKeyBytes: 250,
  maxValueBytes: 1024 * 1024 - 512,
  scopedClear: false,
  locks: true,
  bus: false,
} as const
