/**
 * A metered (`upto`) route in the browser paywall: the page lists it as "up to" the maximum, the
 * wallet signs the Permit2 witness transfer for that maximum to the x402 upto proxy, naming the
 * seller's settling account as the witness's facilitator, and the seller settles only what the
 * handler charged: exactly that moves, and the page shows the paid answer.
 */
import type { Browser } from 'playwright-core'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startSeller, type Seller } from '../e2e/seller.js'
import { PERMIT2, startPermit2Chain, UPTO_PROXY, type Permit2Chain } from '../support/permit2.js'
import { launchChromium, requireChromiumOrSkip } from './support/chromium.js'
import { connect, pay, shot, UI_TIMEOUT_MS, visit } from './support/paywall-page.js'

const skip = requireChromiumOrSkip('browser paywall (upto)')
const MAX = 50_000n // 0.05 of the 6-decimal permit token
const CHARGE = 20_000n // what the handler says the request cost

let chain: Permit2Chain
let seller: Seller
let browser: Browser

beforeAll(async () => {
  chain = await startPermit2Chain({ fundBuyers: 0n })
  seller = await startSeller(chain, (app, gate) => {
    app.get('/summary', gate.paywall({ scheme: 'upto', max: '0.05', network: 'base-sepolia', asset: chain.permitTokenInfo, description: 'A summary priced by its length' }), (req, res) => {
      req.payment?.charge?.('$0.02')
      res.json({ summary: 'short', payer: req.payment?.payer })
    })
  })
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await seller?.close()
  await chain?.stop()
})

describe.skipIf(skip)('upto payments in the browser paywall', { timeout: 120_000 }, () => {
  it('signs for the maximum, is charged what the handler set, and shows the answer', async () => {
    const account = privateKeyToAccount(generatePrivateKey())
    await chain.mint(account.address, 1_000_000n, chain.permitToken)
    await chain.rpc('anvil_setBalance', [account.address, '0xde0b6b3a7640000'])
    await chain.approvePermit2(account, undefined, chain.permitToken)
    const sellerBefore = await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)
    const v = await visit(browser, `${seller.url}/summary`, chain, { account })
    try {
      await expect(v.page.locator('#tg-accepts').textContent()).resolves.toContain('up to 0.05 Tether USD')
      await expect(v.page.locator('#tg-accepts').textContent()).resolves.not.toContain('not payable')
      await connect(v.page)
      await expect(v.page.locator('button[data-action="pay"]').textContent()).resolves.toContain('up to 0.05')
      await pay(v.page)
      const pre = v.page.locator('#tg-result pre')
      await pre.waitFor({ timeout: UI_TIMEOUT_MS })
      await shot(v.page, 'upto-1-paid')
      expect(JSON.parse((await pre.textContent()) ?? '')).toEqual({ summary: 'short', payer: account.address })
      const typed = v.wallet!.typedData[0] as { domain: Record<string, unknown>; primaryType: string; message: { spender: string; permitted: Record<string, string>; witness: Record<string, string> } }
      expect(typed.primaryType).toBe('PermitWitnessTransferFrom')
      expect(typed.domain).toEqual({ name: 'Permit2', chainId: chain.chainId, verifyingContract: PERMIT2 })
      expect(typed.message.spender).toBe(UPTO_PROXY)
      expect(typed.message.permitted).toEqual({ token: chain.permitToken, amount: MAX.toString() })
      expect(typed.message.witness).toEqual({ to: chain.accounts.seller.address, facilitator: chain.accounts.settler.address, validAfter: '0' })
      expect(await chain.balanceOf(account.address, chain.permitToken)).toBe(1_000_000n - CHARGE)
      expect((await chain.balanceOf(chain.accounts.seller.address, chain.permitToken)) - sellerBefore).toBe(CHARGE)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })
})
