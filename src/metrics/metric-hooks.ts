import type { SettlementFields, TollgateHooks } from '../hooks/hook-types.js'
import type { PaymentMetrics } from './payment-metrics.js'

const version = (v: number | undefined) => (v === undefined ? '' : String(v))

const paymentLabels = (e: Pick<SettlementFields, 'route' | 'networkName' | 'scheme' | 'x402Version'>) => ({
  route: e.route,
  network: e.networkName,
  scheme: e.scheme,
  version: version(e.x402Version),
})

/**
 * The hooks that feed the metrics. Watching hooks only: the gate never awaits them and isolates
 * their errors, so metrics can neither delay nor change a payment. No `authorize`: a metrics hook
 * must not add an awaited step to every paid request.
 */
export function metricHooks(m: PaymentMetrics): TollgateHooks {
  return {
    onChallenge: (e) => m.challenges.inc({ route: e.route }),
    onRejected: (e) => m.rejected.inc({ route: e.route, reason: e.reason }),
    onVerified: (e) => {
      m.verified.inc({ route: e.route, network: e.payment.networkName, scheme: e.payment.scheme, version: version(e.payment.x402Version) })
      m.verifySeconds.observe({ route: e.route, network: e.payment.networkName }, e.latencyMs / 1000)
    },
    onSettled: (e) => {
      m.settled.inc({ ...paymentLabels(e), resumed: String(e.resumed) })
      m.settleSeconds.observe({ route: e.route, network: e.networkName, outcome: 'settled' }, e.latencyMs / 1000)
    },
    onSettlementFailed: (e) => {
      ;(e.state === 'unknown' ? m.unknown : m.failed).inc({ ...paymentLabels(e), reason: e.reason })
      m.settleSeconds.observe({ route: e.route, network: e.networkName, outcome: e.state }, e.latencyMs / 1000)
    },
    onPrepaidIssued: (e) => m.prepaidIssued.inc({ route: e.route, package: e.package }),
    onPrepaidSpent: (e) => {
      m.prepaidSpends.inc({ route: e.route, package: e.package })
      m.prepaidCalls.inc({ route: e.route, package: e.package }, e.cost)
    },
    onPrepaidExhausted: (e) => m.prepaidExhausted.inc({ route: e.route, package: e.package }),
    onPrepaidRevoked: (e) => m.prepaidRevoked.inc({ route: e.route }),
  }
}
