import type { HttpAnswer } from '../gate/decision.js'
import type { PaymentGate } from '../gate/require-payment.js'
import type { PrepaidPackage } from './prepaid-options.js'

/** `GET <path>/packages`: what can be bought, for how much on which network, and where. */
export function listPackages(
  packages: ReadonlyMap<string, { pkg: PrepaidPackage; gate: PaymentGate }>,
  { header, purchaseUrl }: { header: string; purchaseUrl: string },
): HttpAnswer {
  const resource = { url: purchaseUrl, description: '', mimeType: 'application/json' }
  const list = [...packages.values()].map(({ pkg, gate }) => {
    const url = new URL(purchaseUrl)
    url.searchParams.set('package', pkg.id)
    return {
      id: pkg.id,
      ...(pkg.description ? { description: pkg.description } : {}),
      calls: pkg.calls,
      days: pkg.days,
      price: gate.methods.map((method) => {
        const { network, amount, asset } = method.requirement(resource, 300).v2
        // `amount` is in atomic units, as in x402 v2 requirements.
        return { network, amount, asset }
      }),
      purchase: { method: 'POST', url: url.toString() },
    }
  })
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: { packages: list, header, note: `Send the credential in the ${header} header. Purchases are retryable with an Idempotency-Key header.` },
  }
}
