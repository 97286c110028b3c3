// cluster-key-slot ships no types; this is its whole public surface.
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot (0–16383) of `key`, honouring `{hash tags}`. */
  function calculateSlot(key: string | Buffer): number
  export default calculateSlot
}
