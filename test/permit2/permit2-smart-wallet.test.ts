import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { maxUint256, parseAbi, type Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { startSeller, type Seller } from '../e2e/seller.js'
import { acceptedOf, PERMIT2, permit2PaymentHeader, startPermit2Chain, type Permit2Chain } from '../support/permit2.js'

/**
 * A Permit2 payment from a contract account (ERC-1271): the signature does not recover to the
 * owner, so tollgate asks the wallet (as Permit2 itself will), and the payment settles; a signature
 * by another key is refused by the wallet and nothing moves.
 */
let chain: Permit2Chain
let seller: Seller
let wallet: Address

beforeAll(async () => {
  chain = await startPermit2Chain()
  seller = await startSeller(chain, (app, gate) => {
    app.get('/report', gate.paywall({ amount: '1.00', network: 'base-sepolia', asset: chain.permitTokenInfo }), (req, res) => res.json({ payer: req.payment?.payer }))
  })
  wallet = await chain.deployWallet(chain.accounts.buyers[0]!.address)
  // The wallet holds tokens and approves Permit2 (sent as the wallet through anvil's impersonation).
  await chain.walletClient.writeContract({ address: chain.permitToken, abi: parseAbi(['function mint(address to, uint256 value)']), functionName: 'mint', args: [wallet, 5_000_000n] })
  await chain.rpc('anvil_setBalance', [wallet, '0xde0b6b3a7640000'])
  await chain.rpc('anvil_impersonateAccount', [wallet])
  const { encodeFunctionData } = await import('viem')
  const hash = await chain.rpc<`0x${string}`>('eth_sendTransaction', [{ from: wallet, to: chain.permitToken, data: encodeFunctionData({ abi: parseAbi(['function approve(address, uint256) returns (bool)']), functionName: 'approve', args: [PERMIT2, maxUint256] }) }])
  await chain.publicClient.waitForTransactionReceipt({ hash })
  await chain.rpc('anvil_stopImpersonatingAccount', [wallet])
})

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

describe('Permit2 from an ERC-1271 smart wallet', () => {
  it("settles a payment signed by the wallet's owner", async () => {
    const accepted = await acceptedOf(`${seller.url}/report`)
    const owner = chain.accounts.buyers[0]!
    const { header } = await permit2PaymentHeader(owner, accepted, { from: wallet })
    const before = await chain.balanceOf(wallet, chain.permitToken)
    const res = await fetch(`${seller.url}/report`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ payer: wallet })
    expect(await chain.balanceOf(wallet, chain.permitToken)).toBe(before - 1_000_000n)
  })

  it('refuses one signed by another key: invalid_permit2_signature, nothing moves', async () => {
    const accepted = await acceptedOf(`${seller.url}/report`)
    const stranger = privateKeyToAccount('0x2222222222222222222222222222222222222222222222222222222222222222')
    const { header } = await permit2PaymentHeader(stranger, accepted, { from: wallet })
    const before = await chain.balanceOf(wallet, chain.permitToken)
    const res = await fetch(`${seller.url}/report`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(402)
    expect(((await res.json()) as { error: string }).error).toBe('invalid_permit2_signature')
    expect(await chain.balanceOf(wallet, chain.permitToken)).toBe(before)
  })

  it('an ERC-6492 wrapped signature of the deployed wallet is unwrapped for Permit2 and settles', async () => {
    const accepted = await acceptedOf(`${seller.url}/report`)
    const owner = chain.accounts.buyers[0]!
    const { header } = await permit2PaymentHeader(owner, accepted, { from: wallet, erc6492: { factory: chain.accounts.deployer.address, data: '0x1234' } })
    const before = await chain.balanceOf(wallet, chain.permitToken)
    const res = await fetch(`${seller.url}/report`, { headers: { 'payment-signature': header } })
    expect(res.status).toBe(200)
    expect(await chain.balanceOf(wallet, chain.permitToken)).toBe(before - 1_000_000n)
  })
})
