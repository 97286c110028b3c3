/**
 * Testcontainers defaults for Strata's test machines: containers use host networking on
 * 127.0.0.1, and there is no Ryuk reaper (its image would come from a registry); containers are
 * removed by `stop()` and by the global setups' teardown instead. Values already set win.
 */
export function applyTestcontainersDefaults(): void {
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1'
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true'
}

/** Whether this run is CI, where a server that cannot start fails the run instead of skipping. */
export function isCI(): boolean {
  const ci = process.env.CI
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false'
}
