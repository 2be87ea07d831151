import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Address } from 'viem'
import { startTestChain, type TestChain } from '../support/chain.js'
import { decodeHeader, encodeHeader, signAuthorization, v2Payment } from '../support/payments.js'
import { startSeller, type Seller } from './seller.js'

/** Contract accounts (Safe, Coinbase Smart Wallet…) sign through ERC-1271; the signature is checked on chain. */

let chain: TestChain
let seller: Seller
let wallet: Address
let requirement: Record<string, unknown>

beforeAll(async () => {
  chain = await startTestChain()
  wallet = await chain.deployWallet(chain.accounts.buyers[0]!.address)
  await chain.mint(wallet, 1_000_000n)
  seller = await startSeller(chain, (app, gate) => {
    app.get('/data', gate.paywall({ amount: '0.10', network: 'base-sepolia' }), (req, res) => res.json({ payer: req.payment?.payer }))
  })
  const res = await fetch(`${seller.url}/data`)
  requirement = decodeHeader<{ accepts: Record<string, unknown>[] }>(res.headers.get('payment-required')!).accepts[0]!
})

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

const pay = async (signer: TestChain['accounts']['buyers'][number]) => {
  const payload = await signAuthorization({
    from: wallet,
    signer,
    to: chain.accounts.seller.address,
    value: 100_000n,
    token: chain.tokenInfo,
    chainId: chain.chainId,
  })
  return fetch(`${seller.url}/data`, { headers: { 'payment-signature': encodeHeader(v2Payment(requirement, payload)) } })
}

describe('an ERC-1271 smart wallet pays', () => {
  it("accepts the owner's signature for the wallet and settles from the wallet", async () => {
    const before = await chain.balanceOf(wallet)
    const res = await pay(chain.accounts.buyers[0]!)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ payer: wallet })
    expect(decodeHeader<{ success: boolean; payer: string }>(res.headers.get('payment-response')!)).toMatchObject({ success: true, payer: wallet })
    expect(await chain.balanceOf(wallet)).toBe(before - 100_000n)
  })

  it('refuses a signature by someone who does not own the wallet', async () => {
    const transfers = await chain.transferCount()
    const res = await pay(chain.accounts.buyers[1]!)
    expect(res.status).toBe(402)
    expect(((await res.json()) as { error: string }).error).toBe('invalid_exact_evm_signature')
    expect(await chain.transferCount()).toBe(transfers)
  })
})
