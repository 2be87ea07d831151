/**
 * The Permit2 form of `exact` in the page, for a token without EIP-3009: the page asks the wallet
 * once for a Permit2 approval (a real transaction on anvil, gas paid by the buyer), then for the
 * PermitWitnessTransferFrom signature the official v2 client signs; the seller settles through the
 * x402 exact proxy. A buyer who already approved signs only once; one who declines the approval
 * is told so and nothing moves.
 */
import type { Browser } from 'playwright-core'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSeller, type Seller } from '../e2e/seller.js'
import { EXACT_PROXY, PERMIT2, startPermit2Chain, type Permit2Chain } from '../support/permit2.js'
import { launchChromium, requireChromiumOrSkip } from './support/chromium.js'
import { connect, errorShown, pay, shot, UI_TIMEOUT_MS, visit } from './support/paywall-page.js'

const skip = requireChromiumOrSkip('browser paywall (Permit2)')
const PRICE = 20_000n // 0.02 of the 6-decimal permit token

let chain: Permit2Chain
let seller: Seller
let browser: Browser

beforeAll(async () => {
  chain = await startPermit2Chain({ fundBuyers: 0n })
  seller = await startSeller(chain, (app, gate) => {
    app.get('/report', gate.paywall({ amount: { atomic: PRICE.toString() }, network: 'base-sepolia', asset: chain.permitTokenInfo, description: 'A report paid with Permit2' }), (req, res) => {
      res.json({ report: 'quarterly', payer: req.payment?.payer })
    })
  })
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await seller?.close()
  await chain?.stop()
})

/** A buyer holding the permit token and some ether for the approval's gas. */
async function freshBuyer() {
  const account = privateKeyToAccount(generatePrivateKey())
  await chain.mint(account.address, 1_000_000n, chain.permitToken)
  await chain.rpc('anvil_setBalance', [account.address, '0xde0b6b3a7640000'])
  return account
}

const tokenBalance = (address: `0x${string}`) => chain.balanceOf(address, chain.permitToken)

describe.skipIf(skip)('Permit2 payments in the browser paywall', { timeout: 120_000 }, () => {
  it('approves Permit2 once from the wallet, signs the witness transfer, and exactly the price moves', async () => {
    const buyer = await freshBuyer()
    const sellerBefore = await tokenBalance(chain.accounts.seller.address)
    const v = await visit(browser, `${seller.url}/report`, chain, { account: buyer })
    try {
      await expect(v.page.locator('#tg-accepts').textContent()).resolves.toContain('0.02 Tether USD')
      await connect(v.page)
      await pay(v.page)
      const pre = v.page.locator('#tg-result pre')
      await pre.waitFor({ timeout: UI_TIMEOUT_MS })
      await shot(v.page, 'permit2-1-paid')
      expect(JSON.parse((await pre.textContent()) ?? '')).toEqual({ report: 'quarterly', payer: buyer.address })
      expect(v.wallet!.sent).toHaveLength(1)
      expect(v.wallet!.sent[0]!.to.toLowerCase()).toBe(chain.permitToken.toLowerCase())
      expect(v.wallet!.sent[0]!.data.startsWith(`0x095ea7b3${PERMIT2.slice(2).toLowerCase().padStart(64, '0')}`)).toBe(true)
      expect(await chain.allowance(buyer.address, PERMIT2, chain.permitToken)).toBeGreaterThan(PRICE)
      const typed = v.wallet!.typedData[0] as { domain: Record<string, unknown>; primaryType: string; message: { spender: string; permitted: Record<string, string>; witness: Record<string, string>; nonce: string } }
      expect(typed.primaryType).toBe('PermitWitnessTransferFrom')
      expect(typed.domain).toEqual({ name: 'Permit2', chainId: chain.chainId, verifyingContract: PERMIT2 })
      expect(typed.message.spender).toBe(EXACT_PROXY)
      expect(typed.message.permitted).toEqual({ token: chain.permitToken, amount: PRICE.toString() })
      expect(typed.message.witness).toEqual({ to: chain.accounts.seller.address, validAfter: '0' })
      expect(typed.message.nonce).toMatch(/^\d+$/)
      expect(await tokenBalance(buyer.address)).toBe(1_000_000n - PRICE)
      expect((await tokenBalance(chain.accounts.seller.address)) - sellerBefore).toBe(PRICE)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('a buyer who already approved Permit2 only signs', async () => {
    const buyer = await freshBuyer()
    await chain.approvePermit2(buyer, undefined, chain.permitToken)
    const v = await visit(browser, `${seller.url}/report`, chain, { account: buyer })
    try {
      await connect(v.page)
      await pay(v.page)
      await v.page.locator('#tg-result pre').waitFor({ timeout: UI_TIMEOUT_MS })
      expect(v.wallet!.sent).toEqual([])
      expect(v.wallet!.typedData).toHaveLength(1)
      expect(await tokenBalance(buyer.address)).toBe(1_000_000n - PRICE)
    } finally {
      await v.close()
    }
  })

  it('says so when the buyer declines the Permit2 approval, and asks no signature', async () => {
    const buyer = await freshBuyer()
    const v = await visit(browser, `${seller.url}/report`, chain, { account: buyer, rejectSend: true })
    try {
      await connect(v.page)
      await pay(v.page)
      const shown = await errorShown(v.page)
      expect(shown.code).toBe('user_rejected')
      expect(shown.text).toContain('You declined the Permit2 approval')
      expect(v.wallet!.typedData).toEqual([])
      expect(await tokenBalance(buyer.address)).toBe(1_000_000n)
    } finally {
      await v.close()
    }
  })
})
