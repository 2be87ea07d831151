/**
 * The gateway settling through a facilitator instead of its own key: the official x402 facilitator
 * (@x402/core + @x402/evm) on anvil, reached over HTTP from the gateway process; no settler key in
 * the gateway's environment at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { startOfficialFacilitator, type OfficialFacilitator } from '../facilitator/support/official-facilitator.js'
import { chainConfig, writeConfig } from './support/config.js'
import { startGateway, startUpstream, type Gateway, type Upstream } from './support/processes.js'

let chain: TestChain
let facilitator: OfficialFacilitator
let upstream: Upstream
let gateway: Gateway

beforeAll(async () => {
  chain = await startTestChain()
  facilitator = await startOfficialFacilitator(chain, chain.accounts.settler)
  upstream = await startUpstream()
  const routes = 'routes:\n  - { method: GET, path: /data, price: "0.01", network: base-sepolia }\n  - { method: GET, path: /fail, price: "0.01", network: base-sepolia }\nunmatched: proxy\n'
  gateway = await startGateway(['--config', writeConfig(chainConfig(chain, upstream.url, routes)), '--facilitator', facilitator.url], { TOLLGATE_SETTLER_KEY: undefined, TOLLGATE_RPC_URL: undefined })
})

afterAll(async () => {
  await gateway?.stop()
  await upstream?.stop()
  await facilitator?.close()
  await chain?.stop()
})

describe('tollgate gateway --facilitator', () => {
  it('verifies and settles through the facilitator; an upstream failure never reaches /settle', async () => {
    expect(gateway.stdout()).toContain('facilitator: 1 (settles and pays gas)')
    const buyer = chain.accounts.buyers[0]!
    const before = await chain.balanceOf(buyer.address)
    const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })

    const failed = await pay(`${gateway.url}/fail`)
    expect(failed.status).toBe(500)
    expect(facilitator.calls.settle ?? 0).toBe(0)

    const response = await pay(`${gateway.url}/data`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ data: 42, path: '/data' })
    const settlement = decodeHeader<{ success: boolean; transaction: `0x${string}` }>(response.headers.get('payment-response')!)
    expect((await chain.publicClient.getTransactionReceipt({ hash: settlement.transaction })).status).toBe('success')
    expect(facilitator.calls.settle).toBe(1)
    expect(await chain.balanceOf(buyer.address)).toBe(before - 10_000n)
  })

  it('unmatched: proxy forwards other paths free, still without payment credentials', async () => {
    const response = await fetch(`${gateway.url}/echo`, { headers: { 'x-payment': 'abc', accept: 'application/json' } })
    expect(response.status).toBe(200)
    const echoed = (await response.json()) as { headers: Record<string, string> }
    expect(echoed.headers['x-payment']).toBeUndefined()
    expect(echoed.headers.accept).toBe('application/json')
    expect(echoed.headers['x-tollgate-route']).toBe('unmatched')
    expect(gateway.stdout()).toContain('(other paths: forwarded free)')
  })
})
