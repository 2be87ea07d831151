/**
 * Buyer side of prepaid packages: a fetch that spends a credential, and buys a package with any
 * x402-paying fetch when a route asks for payment and says where packages are sold.
 */
import { base64ToUtf8 } from '../protocol/base64.js'

export interface PrepaidPurchase {
  credential: string
  credentialId: string
  package: string
  calls: number
  expiresAt: string
}

export interface PrepaidFetchOptions {
  /** Pays x402 challenges: e.g. the official client's `wrapFetchWithPayment(fetch, client)`. */
  payingFetch: typeof fetch
  /** The package to buy when a route needs one. */
  package: string
  /** Makes the calls themselves (default: the global fetch). */
  fetch?: typeof fetch
  /** A credential bought earlier, to start with. */
  credential?: string
  /** Told of every purchase, so the caller can keep the credential. */
  onPurchase?(purchase: PrepaidPurchase): void
}

interface Discovery {
  purchase: string
  header: string
  /** Present when the route takes credentials of these packages only. */
  acceptedPackages?: string[]
}

/** Refusals a new credential of the buyer's package fixes. */
const SPENT = new Set(['prepaid_exhausted', 'prepaid_expired', 'prepaid_revoked', 'prepaid_insufficient_calls', 'prepaid_package_not_accepted'])

/** Buys `packageId` at `purchaseUrl`, retrying once with the same Idempotency-Key if the answer was lost. */
export async function buyPackage(payingFetch: typeof fetch, purchaseUrl: string, packageId: string): Promise<PrepaidPurchase> {
  const url = new URL(purchaseUrl)
  url.searchParams.set('package', packageId)
  const init = { method: 'POST', headers: { 'idempotency-key': crypto.randomUUID() } }
  const res = await payingFetch(url, init).catch(() => payingFetch(url, init))
  if (res.status !== 201) {
    const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string }
    throw new Error(`buying package ${packageId} failed with ${res.status}: ${body.error ?? 'no reason'} ${body.message ?? ''}`.trim())
  }
  return (await res.json()) as PrepaidPurchase
}

export function prepaidFetch(options: PrepaidFetchOptions): typeof fetch {
  const plainFetch = options.fetch ?? fetch
  let credential = options.credential
  let header = 'X-Prepaid-Credential'

  const send = (request: Request) => {
    const attempt = request.clone()
    if (credential) attempt.headers.set(header, credential)
    return plainFetch(attempt)
  }

  return async (input, init) => {
    const request = new Request(input, init)
    const first = await send(request)
    if (first.status !== 402) return first
    const challenge = readChallenge(first)
    // A route without prepaid, or a credential refused for another reason than being spent: not ours to fix.
    if (!challenge.discovery || (credential && !SPENT.has(challenge.error ?? ''))) return first
    // Buying a package this route does not take would spend money on a credential it refuses.
    const accepted = challenge.discovery.acceptedPackages
    if (accepted && !accepted.includes(options.package)) return first
    await first.body?.cancel()
    header = challenge.discovery.header
    const purchase = await buyPackage(options.payingFetch, challenge.discovery.purchase, options.package)
    credential = purchase.credential
    options.onPurchase?.(purchase)
    return send(request)
  }
}

/** Reads the v2 PAYMENT-REQUIRED header, leaving the body unread for the caller. */
function readChallenge(res: Response): { error?: string; discovery?: Discovery } {
  const encoded = res.headers.get('payment-required')
  if (!encoded) return {}
  try {
    const required = JSON.parse(base64ToUtf8(encoded)) as { error?: string; extensions?: { prepaid?: Partial<Discovery> } }
    const prepaid = required.extensions?.prepaid
    const accepted = Array.isArray(prepaid?.acceptedPackages) ? prepaid.acceptedPackages.filter((id): id is string => typeof id === 'string') : undefined
    const discovery =
      typeof prepaid?.purchase === 'string'
        ? { purchase: prepaid.purchase, header: prepaid.header ?? 'X-Prepaid-Credential', ...(accepted ? { acceptedPackages: accepted } : {}) }
        : undefined
    return { ...(required.error ? { error: required.error } : {}), ...(discovery ? { discovery } : {}) }
  } catch {
    return {}
  }
}
