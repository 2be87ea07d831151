/**
 * The browser paywall in a real Chromium, on an Express seller: a person opens a paywalled URL,
 * connects an injected wallet (EIP-6963, backed by a viem account on anvil that signs for real),
 * pays, and sees what they paid for; and every way it can go wrong says so clearly.
 */
import type { Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { launchChromium, requireChromiumOrSkip } from './support/chromium.js'
import { connect, errorShown, pay, shot, UI_TIMEOUT_MS, visit } from './support/paywall-page.js'
import { CSV, DATA, PRICE, startExpressShop, type Shop } from './support/shop.js'

const skip = requireChromiumOrSkip('browser paywall (Express)')

let chain: TestChain
let shop: Shop
let browser: Browser
const buyerKeys = new Map<string, Hex>()

beforeAll(async () => {
  chain = await startTestChain()
  chain.keys.buyers.forEach((key, i) => buyerKeys.set(chain.accounts.buyers[i]!.address.toLowerCase(), key))
  shop = await startExpressShop(chain, buyerKeys)
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await shop?.close()
  await chain?.stop()
})

/** A buyer of its own for each test, so balance checks never see another test's payment. */
async function freshBuyer(funds: bigint) {
  const key = generatePrivateKey()
  const account = privateKeyToAccount(key)
  buyerKeys.set(account.address.toLowerCase(), key)
  if (funds > 0n) await chain.mint(account.address, funds)
  return account
}

async function balances(buyer: `0x${string}`) {
  return { buyer: await chain.balanceOf(buyer), seller: await chain.balanceOf(chain.accounts.seller.address) }
}

// Each case waits on the page for several steps; on two loaded cores that may take longer than vitest's 30 s default.
describe.skipIf(skip)('browser paywall on Express, in Chromium', { timeout: 120_000 }, () => {
  it('sells an HTML article: click, sign, the article replaces the page, and exactly the price moves', async () => {
    const buyer = await freshBuyer(1_000_000n)
    const before = await balances(buyer.address)
    const v = await visit(browser, `${shop.url}/article`, chain, { account: buyer })
    try {
      expect(v.navigation.status()).toBe(402)
      const headers = v.navigation.headers()
      expect(headers['content-type']).toBe('text/html; charset=utf-8')
      expect(headers['content-security-policy']).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]{24}'/)
      expect(headers['payment-required']).toBeTruthy()
      await expect(v.page.locator('h1').textContent()).resolves.toBe('A paid article')
      await expect(v.page.locator('#tg-accepts').textContent()).resolves.toContain('0.01 USDC')
      await v.page.locator('button[data-wallet="Other Wallet"]').waitFor({ timeout: UI_TIMEOUT_MS })
      await shot(v.page, 'express-1-paywall')
      await connect(v.page)
      await shot(v.page, 'express-2-connected')
      await pay(v.page)
      await v.page.locator('#paid-article').waitFor({ timeout: UI_TIMEOUT_MS })
      await shot(v.page, 'express-3-paid-article')
      // The paid page's own styles apply; its script does not run (the paywall's CSP allows only the widget).
      expect(await v.page.locator('#paid-article').evaluate((h) => getComputedStyle(h).color)).toBe('rgb(102, 51, 153)')
      expect(await v.page.title()).toBe('Paid article')

      const after = await balances(buyer.address)
      expect(before.buyer - after.buyer).toBe(PRICE)
      expect(after.seller - before.seller).toBe(PRICE)
      // Signed exactly as the official v2 client signs (EIP-3009 via eth_signTypedData_v4).
      const typed = v.wallet!.typedData[0] as { domain: Record<string, unknown>; primaryType: string; message: Record<string, string> }
      expect(typed.primaryType).toBe('TransferWithAuthorization')
      expect(typed.domain).toEqual({ name: 'USDC', version: '2', chainId: chain.chainId, verifyingContract: chain.token })
      expect(typed.message).toMatchObject({ from: buyer.address, to: chain.accounts.seller.address, value: PRICE.toString(), validAfter: '0' })
      expect(typed.message.nonce).toMatch(/^0x[0-9a-f]{64}$/)
      const validFor = Number(typed.message.validBefore) - Math.floor(Date.now() / 1000)
      expect(validFor).toBeGreaterThan(200)
      expect(validFor).toBeLessThanOrEqual(300)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('shows a JSON answer formatted in the page', async () => {
    const buyer = await freshBuyer(1_000_000n)
    const before = await balances(buyer.address)
    const v = await visit(browser, `${shop.url}/data`, chain, { account: buyer })
    try {
      await connect(v.page)
      await pay(v.page)
      const pre = v.page.locator('#tg-result[data-type="application/json"] pre')
      await pre.waitFor({ timeout: UI_TIMEOUT_MS })
      const text = (await pre.textContent()) ?? ''
      expect(JSON.parse(text)).toEqual(DATA)
      expect(text).toContain('\n  "city": "Lisbon"')
      await expect(v.page.locator('#tg-paid').textContent()).resolves.toMatch(/^Paid 0\.01 USDC \(transaction 0x/)
      await shot(v.page, 'express-4-paid-json')
      const after = await balances(buyer.address)
      expect(before.buyer - after.buyer).toBe(PRICE)
      expect(after.seller - before.seller).toBe(PRICE)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('downloads a file answer', async () => {
    const buyer = await freshBuyer(1_000_000n)
    const before = await balances(buyer.address)
    const v = await visit(browser, `${shop.url}/report`, chain, { account: buyer })
    try {
      await connect(v.page)
      const download = v.page.waitForEvent('download', { timeout: UI_TIMEOUT_MS })
      await pay(v.page)
      const file = await download
      expect(file.suggestedFilename()).toBe('visits.csv')
      const stream = await file.createReadStream()
      const chunks: Buffer[] = []
      for await (const chunk of stream) chunks.push(chunk as Buffer)
      expect(Buffer.concat(chunks).toString('utf8')).toBe(CSV)
      await v.page.locator('#tg-download').waitFor({ timeout: UI_TIMEOUT_MS })
      await shot(v.page, 'express-5-downloaded')
      expect(before.buyer - (await balances(buyer.address)).buyer).toBe(PRICE)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('displays an image answer', async () => {
    const buyer = await freshBuyer(1_000_000n)
    const v = await visit(browser, `${shop.url}/chart`, chain, { account: buyer })
    try {
      await connect(v.page)
      await pay(v.page)
      const image = v.page.locator('#tg-result[data-type="image/svg+xml"] img')
      await image.waitFor({ timeout: UI_TIMEOUT_MS })
      await v.page.waitForFunction(() => (document.querySelector('#tg-result img') as HTMLImageElement | null)?.complete === true, undefined, { timeout: UI_TIMEOUT_MS })
      expect(await image.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(240)
      await shot(v.page, 'express-6-paid-image')
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('says so when the buyer rejects the signature, and nothing moves', async () => {
    const buyer = await freshBuyer(1_000_000n)
    const before = await balances(buyer.address)
    const v = await visit(browser, `${shop.url}/article`, chain, { account: buyer, rejectSign: true })
    try {
      await connect(v.page)
      await pay(v.page)
      const shown = await errorShown(v.page)
      expect(shown.code).toBe('user_rejected')
      expect(shown.text).toContain('You declined the signature')
      await shot(v.page, 'express-7-rejected')
      expect(await balances(buyer.address)).toEqual(before)
      // The buyer may change their mind: the pay button is usable again.
      await expect(v.page.locator('button[data-action="pay"]').isEnabled()).resolves.toBe(true)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('reads the balance before signing: insufficient funds are shown and no signature is asked', async () => {
    const buyer = await freshBuyer(PRICE - 1n)
    const v = await visit(browser, `${shop.url}/article`, chain, { account: buyer })
    try {
      await connect(v.page)
      await pay(v.page)
      const shown = await errorShown(v.page)
      expect(shown.code).toBe('insufficient_balance')
      expect(shown.text).toContain('you have 0.009999 USDC on base-sepolia; this costs 0.01 USDC')
      expect(v.wallet!.typedData).toEqual([])
      expect(v.wallet!.methods).toContain('eth_call')
      await shot(v.page, 'express-8-insufficient')
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('switches a wallet on the wrong chain, then pays', async () => {
    const buyer = await freshBuyer(1_000_000n)
    const before = await balances(buyer.address)
    const v = await visit(browser, `${shop.url}/data`, chain, { account: buyer, chainId: 1 })
    try {
      await connect(v.page)
      await pay(v.page)
      await v.page.locator('#tg-result pre').waitFor({ timeout: UI_TIMEOUT_MS })
      expect(v.wallet!.methods).toContain('wallet_switchEthereumChain')
      expect(v.wallet!.methods).not.toContain('wallet_addEthereumChain')
      expect(v.wallet!.chainId).toBe(chain.chainId)
      expect(before.buyer - (await balances(buyer.address)).buyer).toBe(PRICE)
    } finally {
      await v.close()
    }
  })

  it('adds the chain when the wallet does not know it, then pays', async () => {
    const buyer = await freshBuyer(1_000_000n)
    const v = await visit(browser, `${shop.url}/data`, chain, { account: buyer, chainId: 1, knownChains: [] })
    try {
      await connect(v.page)
      await pay(v.page)
      await v.page.locator('#tg-result pre').waitFor({ timeout: UI_TIMEOUT_MS })
      expect(v.wallet!.methods).toEqual(expect.arrayContaining(['wallet_switchEthereumChain', 'wallet_addEthereumChain']))
    } finally {
      await v.close()
    }
  })

  it('says so when the buyer refuses to switch chains, and asks no signature', async () => {
    const buyer = await freshBuyer(1_000_000n)
    const v = await visit(browser, `${shop.url}/article`, chain, { account: buyer, chainId: 1, rejectSwitch: true })
    try {
      await connect(v.page)
      await pay(v.page)
      const shown = await errorShown(v.page)
      expect(shown.code).toBe('wrong_chain')
      expect(shown.text).toContain('this payment is on base-sepolia (chain 84532)')
      expect(v.wallet!.typedData).toEqual([])
      await shot(v.page, 'express-9-wrong-chain')
    } finally {
      await v.close()
    }
  })

  it("shows the seller's reason when settlement fails, and nothing is charged", async () => {
    const buyer = await freshBuyer(PRICE)
    const sellerBefore = await chain.balanceOf(chain.accounts.seller.address)
    const v = await visit(browser, `${shop.url}/drain`, chain, { account: buyer })
    try {
      await connect(v.page)
      await pay(v.page)
      const shown = await errorShown(v.page)
      expect(shown.text).toMatch(/^The payment did not go through: /)
      expect(shown.code).toMatch(/^[a-z0-9_]+$/)
      expect(shown.code).not.toMatch(/^http_/)
      await shot(v.page, 'express-10-settlement-failed')
      expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(sellerBefore)
      await expect(v.page.locator('#paid-article').count()).resolves.toBe(0)
    } finally {
      await v.close()
    }
  })

  it('tells a visitor without a wallet how to get one', async () => {
    const v = await visit(browser, `${shop.url}/article`, chain)
    try {
      const shown = await errorShown(v.page)
      expect(shown.code).toBe('no_wallet')
      expect(shown.text).toContain('No wallet found')
      await shot(v.page, 'express-11-no-wallet')
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('lets the buyer choose among several ways to pay, and pays the chosen one', async () => {
    const buyer = await freshBuyer(1_000_000n)
    const v = await visit(browser, `${shop.url}/choice`, chain, { account: buyer })
    try {
      const radios = v.page.locator('#tg-accepts input[type="radio"]')
      await radios.first().waitFor({ timeout: UI_TIMEOUT_MS })
      expect(await radios.count()).toBe(2)
      await expect(v.page.locator('#tg-accepts').textContent()).resolves.toMatch(/0\.01 USDCdevnet-l2.*0\.01 USDCbase-sepolia/)
      await expect(radios.first().isChecked()).resolves.toBe(true)
      await radios.nth(1).check()
      await shot(v.page, 'express-12-choice')
      await connect(v.page)
      await pay(v.page)
      await v.page.locator('#tg-result pre').waitFor({ timeout: UI_TIMEOUT_MS })
      const typed = v.wallet!.typedData[0] as { domain: { chainId: number } }
      expect(typed.domain.chainId).toBe(chain.chainId)
      expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - PRICE)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('falls back to window.ethereum for a wallet that does not announce itself', async () => {
    const buyer = await freshBuyer(1_000_000n)
    const v = await visit(browser, `${shop.url}/data`, chain, { account: buyer, inject: 'window.ethereum' })
    try {
      await connect(v.page, 'Browser wallet')
      await pay(v.page)
      await v.page.locator('#tg-result pre').waitFor({ timeout: UI_TIMEOUT_MS })
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })
})
