/** `tollgate/health`: a health report and endpoint for load balancers (store, gas, facilitators, unknown settlements). */
export { tollgateHealth } from './tollgate-health.js'
export type { HealthOptions, TollgateHealth } from './tollgate-health.js'
export type { FacilitatorHealth, GasHealth, HealthReport, NetworkGas, PartStatus, PendingHealth, QueueHealth, StoreHealth } from './health-report.js'
export type { MinGasBalance } from './gas-check.js'
export type { SolanaHealth } from './solana-check.js'
export type { PendingThresholds } from './pending-tracker.js'
export type { QueueDepthSource } from './queue-check.js'
export { HEALTH_PROBE_KEY } from './store-check.js'
