import { Counter, Histogram, type Registry } from 'prom-client'

/** Settlement latency buckets (seconds): a local settlement takes one block, a facilitator's a few. */
export const DEFAULT_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]

/**
 * Every label is bounded: the route's label (its name or pattern), the seller's network name (e.g. 'base-sepolia'), a scheme, an
 * x402 version, a reason code, a prepaid package name. Never a payer, an address or a URL.
 */
const PAYMENT = ['route', 'network', 'scheme', 'version'] as const

export function paymentMetrics(registry: Registry, prefix: string, buckets: readonly number[]) {
  const registers = [registry]
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name: prefix + name, help, labelNames, registers })
  return {
    challenges: counter('challenges_total', 'Requests answered with a 402 challenge (no payment presented).', ['route']),
    verified: counter('payments_verified_total', 'Presented payments that passed verification.', PAYMENT),
    rejected: counter('payments_rejected_total', 'Presented payments or credentials refused, by the reason code the buyer got.', ['route', 'reason']),
    settled: counter('payments_settled_total', 'Payments settled on chain; resumed="true": an earlier unknown settlement found charged (nothing new charged).', [...PAYMENT, 'resumed']),
    failed: counter('settlements_failed_total', 'Settlements that provably charged nothing (or reverted).', [...PAYMENT, 'reason']),
    unknown: counter('settlements_unknown_total', 'Settlements whose outcome is unknown: the buyer may have been charged; resolved when the payment comes back.', [...PAYMENT, 'reason']),
    settleSeconds: new Histogram<'route' | 'network' | 'outcome'>({
      name: prefix + 'settlement_duration_seconds',
      help: 'From receiving the payment to the settlement outcome (handler time included for after-handler routes).',
      labelNames: ['route', 'network', 'outcome'],
      buckets: [...buckets],
      registers,
    }),
    verifySeconds: new Histogram<'route' | 'network'>({
      name: prefix + 'verification_duration_seconds',
      help: 'From receiving the payment to its verification (replay claim, authorize hooks and chain checks).',
      labelNames: ['route', 'network'],
      buckets: [...buckets],
      registers,
    }),
    prepaidIssued: counter('prepaid_issued_total', 'Prepaid credentials sold.', ['route', 'package']),
    prepaidSpends: counter('prepaid_spends_total', 'Requests served on a prepaid credential.', ['route', 'package']),
    prepaidCalls: counter('prepaid_calls_spent_total', 'Calls taken from prepaid credentials.', ['route', 'package']),
    prepaidExhausted: counter('prepaid_exhausted_total', 'Prepaid credentials whose last call was spent.', ['route', 'package']),
    prepaidRevoked: counter('prepaid_revoked_total', 'Prepaid credentials revoked by the seller.', ['route']),
  }
}

export type PaymentMetrics = ReturnType<typeof paymentMetrics>
