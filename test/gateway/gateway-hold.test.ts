/**
 * A streamed upstream answer behind the gateway is held until its payment has settled: while the
 * settlement transaction is held back on its way to the chain, the upstream has already answered
 * and the buyer has received nothing, not even the status line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader } from '../support/payments.js'
import { makeV2Fetch } from '../support/v2-buyer.js'
import { chainConfig, chainEnv, writeConfig } from './support/config.js'
import { startGateway, startUpstream, type Gateway, type Upstream } from './support/processes.js'
import { startSendGate, type SendGate } from './support/send-gate.js'

let chain: TestChain
let upstream: Upstream
let sends: SendGate
let gateway: Gateway

beforeAll(async () => {
  chain = await startTestChain()
  upstream = await startUpstream()
  sends = await startSendGate(chain.rpcUrl)
  const routes = `routes:
  - { method: GET, path: /stream, price: "0.01", network: base-sepolia }
  - { method: GET, path: /big, price: "0.01", network: base-sepolia, settle: before-handler }
  - { method: GET, path: /break, price: "0.01", network: base-sepolia }
  - { method: GET, path: /big-refused, price: "0.01", network: base-sepolia, hold: { maxBytes: 1000, overflow: refuse } }
  - { method: GET, path: /big-streamed, price: "0.01", network: base-sepolia, hold: { maxBytes: 1000 } }
`
  gateway = await startGateway(['--config', writeConfig(chainConfig(chain, upstream.url, routes))], chainEnv(chain, sends.url))
})

afterAll(async () => {
  await gateway?.stop()
  await sends?.close()
  await upstream?.stop()
  await chain?.stop()
})

describe('tollgate gateway holds a streamed upstream answer until the payment settles', () => {
  it('no byte reaches the buyer before the settlement transaction is mined', async () => {
    const buyer = chain.accounts.buyers[0]!
    const before = await chain.balanceOf(buyer.address)
    const transfersBefore = await chain.transferCount()
    // When the paid answer's status line and headers reach the buyer (fetch resolves on them).
    let answeredAt: number | undefined
    const observed: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (response.status !== 402) answeredAt = Date.now()
      return response
    }
    const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token, baseFetch: observed })

    sends.hold()
    const paid = pay(`${gateway.url}/stream?chunks=5`)
    await sends.arrived()
    // The upstream has answered (the gateway settles only once it has), the transfer is not on chain...
    const log = await upstream.log()
    expect(log.some((entry) => entry.event === 'chunk' && entry.index === 0)).toBe(true)
    expect(await chain.transferCount()).toBe(transfersBefore)
    // ...and the buyer has nothing. Give a leak the time to show before letting the transaction go.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(answeredAt).toBeUndefined()

    sends.release()
    const response = await paid
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n')
    const settlement = decodeHeader<{ success: boolean; transaction: `0x${string}` }>(response.headers.get('payment-response')!)
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: settlement.transaction })
    expect(receipt.status).toBe('success')
    expect(await chain.balanceOf(buyer.address)).toBe(before - 10_000n)
    expect(await chain.transferCount()).toBe(transfersBefore + 1)
  })

  it('before-handler: settled first, then a large answer streams through whole', async () => {
    const buyer = chain.accounts.buyers[1]!
    const before = await chain.balanceOf(buyer.address)
    const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })
    const response = await pay(`${gateway.url}/big?bytes=${8 * 1024 * 1024}`)
    expect(response.status).toBe(200)
    expect((await response.arrayBuffer()).byteLength).toBe(8 * 1024 * 1024)
    expect(await chain.balanceOf(buyer.address)).toBe(before - 10_000n)
  })

  it('an upstream that breaks its answer off before the end: 502 upstream_unavailable, nothing charged', async () => {
    const buyer = chain.accounts.buyers[2]!
    const before = await chain.balanceOf(buyer.address)
    const transfers = await chain.transferCount()
    const response = await makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })(`${gateway.url}/break`)
    expect(response.status).toBe(502)
    expect(await response.json()).toMatchObject({ error: 'upstream_unavailable' })
    expect(response.headers.get('payment-response')).toBeNull()
    expect(await chain.balanceOf(buyer.address)).toBe(before)
    expect(await chain.transferCount()).toBe(transfers)
  })

  it("the route's held-bytes cap: overflow 'refuse' answers 502 response_too_large uncharged; 'settle' charges and streams the rest", async () => {
    const buyer = chain.accounts.buyers[3]!
    const pay = makeV2Fetch(buyer, { network: 'eip155:84532', asset: chain.token })
    const before = await chain.balanceOf(buyer.address)
    const refused = await pay(`${gateway.url}/big-refused?bytes=5000`)
    expect(refused.status).toBe(502)
    expect(await refused.json()).toMatchObject({ error: 'response_too_large' })
    expect(await chain.balanceOf(buyer.address)).toBe(before)

    const within = await pay(`${gateway.url}/big-refused?bytes=500`)
    expect(within.status).toBe(200)
    expect((await within.arrayBuffer()).byteLength).toBe(500)
    const streamed = await pay(`${gateway.url}/big-streamed?bytes=${1024 * 1024}`)
    expect(streamed.status).toBe(200)
    expect(streamed.headers.get('payment-response')).toBeTruthy()
    expect((await streamed.arrayBuffer()).byteLength).toBe(1024 * 1024)
    expect(await chain.balanceOf(buyer.address)).toBe(before - 20_000n)
  })
})
