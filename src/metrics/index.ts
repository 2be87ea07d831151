/**
 * tollgate/metrics: Prometheus metrics of payments, from the seller-facing hooks.
 *
 * For other helpers (health, H13): every adapter exports `serveAnswer(produce)` (tollgate/express,
 * /koa, /fastify, /fetch, /next), where `produce: (request: RequestLike) => ServableAnswer | Promise<…>`
 * and `ServableAnswer = HttpAnswer | { status; headers; text: string }` (adapters/serve-answer.ts).
 * It returns that framework's handler: `app.get('/health', serveAnswer(health.check))`.
 */
export { tollgateMetrics } from './tollgate-metrics.js'
export type { ScrapeAnswer, TollgateMetrics, TollgateMetricsOptions } from './tollgate-metrics.js'
export type { GasSource } from './gas-gauge.js'
export type { ProgressSource } from './progress-gauge.js'
export { DEFAULT_BUCKETS } from './payment-metrics.js'
