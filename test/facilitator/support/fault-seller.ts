import type { FacilitatorClient } from '../../../src/index.js'
import type { TestChain } from '../../support/chain.js'
import { decodeHeader } from '../../support/payments.js'
import { startSeller, type Seller } from '../../e2e/seller.js'

export const PRICE = 10_000n

/** Hooks a test may set: run inside the paid handler, before it answers (to take a facilitator away mid-request). */
export const duringHandler: { run?: () => Promise<void> } = {}

/** A tollgate Express seller settling through `facilitator`; with `rpc`, it may read the chain to resolve unknown settlements. */
export function facilitatorSeller(chain: TestChain, facilitator: FacilitatorClient | FacilitatorClient[], opts: { rpc?: boolean } = {}): Promise<Seller> {
  return startSeller(
    chain,
    (app, gate) => {
      app.get('/data', gate.paywall({ amount: '0.01', network: 'base-sepolia' }), async (_req, res) => {
        const run = duringHandler.run
        duringHandler.run = undefined
        await run?.()
        res.json({ content: 'PAID CONTENT' })
      })
    },
    {
      settler: undefined,
      facilitator,
      networks: [{ name: 'base-sepolia', asset: chain.tokenInfo, ...(opts.rpc ? { rpcUrl: chain.rpcUrl } : {}) }],
    },
  )
}

export interface Paid {
  status: number
  error?: string
  content: boolean
  settlement?: { success: boolean; transaction: string; errorReason?: string }
}

/** Presents a v2 payment header and reads what came back; never the content unless paid. */
export async function present(seller: Seller, header: string): Promise<Paid> {
  const res = await fetch(`${seller.url}/data`, { headers: { 'payment-signature': header } })
  const text = await res.text()
  const settlement = res.headers.get('payment-response')
  const body = (() => {
    try {
      return JSON.parse(text) as { error?: string }
    } catch {
      return {}
    }
  })()
  return {
    status: res.status,
    content: text.includes('PAID CONTENT'),
    ...(body.error ? { error: body.error } : {}),
    ...(settlement ? { settlement: decodeHeader(settlement) } : {}),
  }
}
