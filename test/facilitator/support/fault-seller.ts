import { afterAll, beforeAll } from 'vitest'
import { httpFacilitator, type FacilitatorClient } from '../../../src/index.js'
import { startTestChain, type TestChain } from '../../support/chain.js'
import type { TestServer } from '../../support/http.js'
import { decodeHeader } from '../../support/payments.js'
import { startSeller, type Seller } from '../../e2e/seller.js'
import { gasAccount, requirementAt, type V2Requirement } from './fixtures.js'
import { forwardTo, type StubRoute } from './stub-facilitator.js'
import { bearer, startTollgateFacilitator } from './tollgate-facilitator.js'

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

/** The fixture both fault suites stand on: a chain, tollgate's own facilitator on it, and the requirement its sellers charge. */
export interface RealFacilitator {
  chain: TestChain
  real: TestServer
  requirement: V2Requirement
  auth: Record<string, string>
  /** A stub route passing the call through to the real facilitator, optionally late. Resolved per request. */
  forward(route: 'supported' | 'verify' | 'settle', delayMs?: number): StubRoute
}

/** Registers the fixture's beforeAll/afterAll; its fields are set once the beforeAll has run. */
export function useRealFacilitator(): RealFacilitator {
  const fixture = { auth: bearer() } as RealFacilitator
  fixture.forward = (route, delayMs) => (body) => forwardTo(fixture.real.url, route, fixture.auth, delayMs)(body)
  beforeAll(async () => {
    fixture.chain = await startTestChain({ fundBuyers: 0n })
    fixture.real = await startTollgateFacilitator(fixture.chain, (await gasAccount(fixture.chain)).key)
    const probe = await facilitatorSeller(fixture.chain, httpFacilitator({ url: fixture.real.url, headers: fixture.auth }))
    fixture.requirement = await requirementAt(`${probe.url}/data`)
    await probe.close()
  })
  afterAll(async () => {
    await fixture.real?.close()
    await fixture.chain?.stop()
  })
  return fixture
}
