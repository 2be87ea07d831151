import type { PrivateKeyAccount } from 'viem'
import { evmExact, localSettler, requirePayment, type PaymentDecision, type PaymentGate, type RequestLike, type RequirePaymentOptions } from '../../src/index.js'
import type { TestChain } from '../support/chain.js'
import { decodeHeader, signedV2, type AuthorizationParams, type V2Requirement } from '../support/payments.js'

/** The framework-free core on the test chain, asked directly: no HTTP, real chain, real store. */
export const URL_OF_ROUTE = 'http://127.0.0.1/data'

export function coreGate(chain: TestChain, options: Partial<RequirePaymentOptions> = {}): PaymentGate {
  return requirePayment(undefined, [evmExact({ network: 'base-sepolia', amount: '0.01', asset: chain.tokenInfo })], {
    payTo: chain.accounts.seller.address,
    settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
    networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
    ...options,
  })
}

export function requestWith(headers: Record<string, string> = {}): RequestLike {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
  return { method: 'GET', url: URL_OF_ROUTE, headers: { get: (name) => lower[name.toLowerCase()] ?? null } }
}

/** The route's v2 requirement, read from the gate's own challenge. */
export async function requirementOf(gate: PaymentGate): Promise<V2Requirement> {
  const challenge = await gate.evaluate(requestWith())
  if (challenge.type !== 'challenge') throw new Error(`expected a challenge, got ${challenge.type}`)
  return decodeHeader<{ accepts: V2Requirement[] }>(challenge.headers['payment-required']!).accepts[0]!
}

/** A signed v2 payment of the route, as a request. */
export async function paymentRequest(chain: TestChain, requirement: V2Requirement, buyer: PrivateKeyAccount, overrides: Partial<AuthorizationParams> = {}): Promise<RequestLike> {
  const { header } = await signedV2(chain, requirement, buyer, overrides)
  return requestWith({ 'payment-signature': header })
}

export function statusOf(decision: PaymentDecision): number | 'pass' {
  return decision.type === 'pass' ? 'pass' : decision.status
}
