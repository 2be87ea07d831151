import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v2Payment } from '../support/payments.js'
import { startRpcProxy, type RpcProxy } from './rpc-proxy.js'
import { startSeller, type Seller } from './seller.js'

/**
 * The settler's account nonce belongs to the account on the chain, not to an endpoint: two
 * sellers in one process with one settler key, one talking to the node directly and one through
 * another URL, must never hand out the same nonce.
 */

let chain: TestChain
let proxy: RpcProxy
const sellers: Seller[] = []

beforeAll(async () => {
  chain = await startTestChain()
  proxy = await startRpcProxy(chain.rpcUrl)
  for (const rpcUrl of [chain.rpcUrl, proxy.url]) {
    sellers.push(
      await startSeller(
        chain,
        (app, gate) => app.get('/data', gate.paywall({ amount: '0.10', network: 'base-sepolia' }), (_req, res) => res.json({ ok: true })),
        { settlerOptions: { rpcUrl } },
      ),
    )
  }
})

afterAll(async () => {
  for (const seller of sellers) await seller.close()
  await proxy?.close()
  await chain?.stop()
})

describe('one settler key through two endpoints', () => {
  it('settles 16 concurrent payments spread over both, each exactly once', async () => {
    const res = await fetch(`${sellers[0]!.url}/data`)
    const requirement = decodeHeader<{ accepts: Record<string, unknown>[] }>(res.headers.get('payment-required')!).accepts[0]!
    const transfersBefore = await chain.transferCount()
    const payments = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        signAuthorization({
          from: chain.accounts.buyers[i % chain.accounts.buyers.length]!,
          to: chain.accounts.seller.address,
          value: 100_000n,
          token: chain.tokenInfo,
          chainId: chain.chainId,
        }),
      ),
    )
    const responses = await Promise.all(
      payments.map((payload, i) =>
        fetch(`${sellers[i % 2]!.url}/data`, { headers: { 'payment-signature': encodeHeader(v2Payment(requirement, payload)) } }),
      ),
    )
    expect(responses.map((r) => r.status)).toEqual(Array(16).fill(200))
    const hashes = new Set(responses.map((r) => decodeHeader<{ transaction: string }>(r.headers.get('payment-response')!).transaction))
    expect(hashes.size).toBe(16)
    expect(await chain.transferCount()).toBe(transfersBefore + 16)
    expect(proxy.forwarded).toBeGreaterThan(0)
  })
})
