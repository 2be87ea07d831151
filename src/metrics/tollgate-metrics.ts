import { queueGauge, type QueueSource } from './queue-gauge.js'
import { Registry } from 'prom-client'
import type { TollgateHooks } from '../hooks/hook-types.js'
import { redactUrls } from '../errors/redact.js'
import { guardedLogger, silentLogger, type Logger } from '../logger.js'
import { gasGauges, type GasSource } from './gas-gauge.js'
import { metricHooks } from './metric-hooks.js'
import { progressGauge, type ProgressSource } from './progress-gauge.js'
import { DEFAULT_BUCKETS, paymentMetrics } from './payment-metrics.js'

export interface TollgateMetricsOptions {
  /** Where the metrics are registered: the seller's own registry, or a new one (never prom-client's global one unless given). */
  registry?: Registry
  /** Prefix of every metric name (default 'tollgate_'). */
  prefix?: string
  /** Settlement latency histogram buckets, in seconds. */
  buckets?: readonly number[]
  /** A settler with `gasStatus()` (e.g. `localSettler(...)`): adds its gas balance and state per network. */
  settler?: GasSource
  /**
   * The tollgate's core, or a function giving it (the gate is built after the metrics, whose hooks
   * it takes: `core: () => gate.core`): adds the gauge of payments in progress (held responses).
   */
  core?: ProgressSource | (() => ProgressSource)
  /** Longest a scrape waits for the gas balance read before reporting the last one (default 1000 ms). */
  gasTimeoutMs?: number
  /** Where a failed scrape is reported. */
  logger?: Logger
}

/** A scrape's answer, for any adapter's `serveAnswer`: Prometheus text with its content type. */
export interface ScrapeAnswer {
  status: number
  headers: Record<string, string>
  text: string
}

export interface TollgateMetrics {
  /** The hooks that count: `hooks: metrics.hooks`, or `combineHooks(metrics.hooks, yours)`. */
  readonly hooks: TollgateHooks
  readonly registry: Registry
  /** The registry's exposition: `app.get('/metrics', serveAnswer(metrics.scrape))`. Never rejects. */
  scrape(): Promise<ScrapeAnswer>
}

const PREFIX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/

/** Prometheus metrics of challenges, payments, settlements and prepaid credentials, fed by the hooks. */
export function tollgateMetrics(options: TollgateMetricsOptions = {}): TollgateMetrics {
  const registry = options.registry ?? new Registry()
  const prefix = options.prefix ?? 'tollgate_'
  if (prefix !== '' && !PREFIX.test(prefix)) throw new TypeError(`tollgateMetrics: prefix '${prefix}' is not a valid Prometheus metric name start`)
  const logger = guardedLogger(options.logger ?? silentLogger)
  const hooks = metricHooks(paymentMetrics(registry, prefix, options.buckets ?? DEFAULT_BUCKETS))
  if (options.core) progressGauge(registry, prefix, options.core)
  if (options.core) queueGauge(registry, prefix, options.core as QueueSource | (() => QueueSource), options.gasTimeoutMs ?? 1_000)
  if (options.settler) gasGauges(registry, prefix, options.settler, options.gasTimeoutMs ?? 1_000)

  const scrape = async (): Promise<ScrapeAnswer> => {
    try {
      const text = await registry.metrics()
      return { status: 200, headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' }, text }
    } catch (error) {
      // A collector of the seller's (on a shared registry) failed: the scraper sees the target fail, the log says why.
      logger.error?.('tollgate: metrics scrape failed', { error: redactUrls(String(error)) })
      return { status: 503, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, text: '{"error":"metrics_unavailable"}' }
    }
  }
  return { hooks, registry, scrape }
}
