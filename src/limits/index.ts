/** Rate limits on presented payments, through the gate's store: per payer, per client address, per route. */
export { rateLimits, DEFAULT_LIMITS_PREFIX, DEFAULT_LIMITS_STORE_TIMEOUT_MS } from './rate-limits.js'
export type { RateLimits, RateLimitsOptions, RateLimitedVerdict } from './rate-limits.js'
export { forwardedFor } from './client-ip.js'
export type { ClientIp } from './client-ip.js'
export type { RateWindow } from './fixed-window.js'
