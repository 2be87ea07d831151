/** What the Koa and Fastify adapter tests both need: a seller config on the test chain and hand-signed v2 payments. */
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { localSettler, memoryStore, type TollgateConfig } from '../../src/index.js'
import type { TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v2Payment, type ExactEvmPayload, type V2Payment } from '../support/payments.js'

export const PRICE = 100_000n
export const paid = { amount: '0.10', network: 'base-sepolia' } as const

export interface Settlement {
  success: boolean
  transaction: string
  payer: string
  errorReason?: string
}

export function sellerConfig(chain: TestChain): TollgateConfig {
  return {
    payTo: chain.accounts.seller.address,
    settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
    store: memoryStore(),
    networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
  }
}

/** A v2 payment for the route whose 402 carried `paymentRequired`, from a fresh buyer holding exactly the price. */
export async function paymentFor(chain: TestChain, paymentRequired: string | null | undefined) {
  if (!paymentRequired) throw new Error('no PAYMENT-REQUIRED header in the challenge')
  const accepted = decodeHeader<{ accepts: Record<string, unknown>[] }>(paymentRequired).accepts[0]!
  const buyer = privateKeyToAccount(generatePrivateKey())
  await chain.mint(buyer.address, PRICE)
  const payload = await signAuthorization({ from: buyer, to: chain.accounts.seller.address, value: PRICE, token: chain.tokenInfo, chainId: chain.chainId })
  return { header: encodeHeader(v2Payment(accepted, payload)), buyer }
}

/** What a handler does to make the seller's settlement fail: it spends the buyer's authorization itself. */
export async function spendPresented(chain: TestChain, paymentSignature: string | string[] | undefined): Promise<void> {
  await chain.submitAuthorization(decodeHeader<V2Payment<object, ExactEvmPayload>>(String(paymentSignature)).payload)
}

export function settlementOf(header: string | string[] | number | null | undefined): Settlement {
  if (typeof header !== 'string') throw new Error('no settlement header')
  return decodeHeader<Settlement>(header)
}
