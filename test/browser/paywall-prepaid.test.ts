/**
 * Prepaid packages in the page: the route's 402 offers them, the buyer buys one with the wallet
 * (one signature), the paid answer shows, and the credential kept in localStorage pays later
 * visits without a signature or a transfer until it runs out.
 */
import type { Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain } from '../support/chain.js'
import { launchChromium, newContext, requireChromiumOrSkip, watchConsole } from './support/chromium.js'
import { errorShown, shot, UI_TIMEOUT_MS } from './support/paywall-page.js'
import { installWallet } from './support/test-wallet.js'
import { DATA, PACKAGE_PRICE, startExpressShop, type Shop } from './support/shop.js'

const skip = requireChromiumOrSkip('browser paywall (prepaid)')

let chain: TestChain
let shop: Shop
let browser: Browser

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  shop = await startExpressShop(chain, new Map<string, Hex>())
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await shop?.close()
  await chain?.stop()
})

describe.skipIf(skip)('prepaid packages in the browser paywall', { timeout: 120_000 }, () => {
  it('buys a package, shows the answer, and spends the kept credential on later visits until it runs out', async () => {
    const buyer = privateKeyToAccount(generatePrivateKey())
    await chain.mint(buyer.address, 1_000_000n)
    const seller = await chain.balanceOf(chain.accounts.seller.address)
    const context = await newContext(browser)
    const wallet = await installWallet(context, chain.publicClient, chain.chainId, { account: buyer })
    const page = await context.newPage()
    const log = watchConsole(page)
    try {
      await page.goto(`${shop.url}/prepaid-data`)
      const buy = page.locator('button[data-action="buy"][data-package="starter"]')
      await buy.waitFor({ timeout: UI_TIMEOUT_MS })
      await expect(page.locator('#tg-prepaid').textContent()).resolves.toContain('3 calls for 30 days: 0.05 USDC')
      await shot(page, 'prepaid-1-offer')
      // Buying needs a wallet first.
      await buy.click()
      await expect(page.locator('#tg-status').getAttribute('data-code')).resolves.toBe('connect_first')
      await page.locator('button[data-action="connect"][data-wallet="Test Wallet"]').click()
      await page.locator('#tg-account').waitFor({ timeout: UI_TIMEOUT_MS })
      await buy.click()
      const pre = page.locator('#tg-result pre')
      await pre.waitFor({ timeout: UI_TIMEOUT_MS })
      expect(JSON.parse((await pre.textContent()) ?? '')).toEqual(DATA)
      await expect(page.locator('#tg-paid').textContent()).resolves.toBe('Bought the starter package. Paid with your starter package: 2 calls left.')
      await shot(page, 'prepaid-2-bought')
      expect(wallet.typedData).toHaveLength(1)
      expect((wallet.typedData[0] as { message: { value: string } }).message.value).toBe(PACKAGE_PRICE.toString())
      expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - PACKAGE_PRICE)
      expect((await chain.balanceOf(chain.accounts.seller.address)) - seller).toBe(PACKAGE_PRICE)
      const kept = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tollgate.prepaid|')))
      expect(kept).toEqual([`tollgate.prepaid|${shop.url}/prepaid/purchase`])

      // Later visits: the page offers the kept credential; no wallet, no signature, no transfer.
      for (const left of [1, 0]) {
        await page.goto(`${shop.url}/prepaid-data`)
        const use = page.locator('button[data-action="use-credential"]')
        await use.waitFor({ timeout: UI_TIMEOUT_MS })
        if (left === 1) await shot(page, 'prepaid-3-kept-credential')
        await use.click()
        await page.locator('#tg-result pre').waitFor({ timeout: UI_TIMEOUT_MS })
        await expect(page.locator('#tg-paid').textContent()).resolves.toBe(`Paid with your starter package: ${left} call${left === 1 ? '' : 's'} left.`)
      }
      expect(wallet.typedData).toHaveLength(1)
      expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - PACKAGE_PRICE)

      // Used up: the seller says so, the page forgets it and offers packages again.
      await page.goto(`${shop.url}/prepaid-data`)
      await page.locator('button[data-action="use-credential"]').click({ timeout: UI_TIMEOUT_MS })
      const shown = await errorShown(page)
      expect(shown.code).toBe('prepaid_exhausted')
      await shot(page, 'prepaid-4-exhausted')
      expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tollgate.prepaid|')))).toEqual([])
      await expect(page.locator('button[data-action="use-credential"]').count()).resolves.toBe(0)
      expect(log.errors).toEqual([])
    } finally {
      await context.close()
    }
  })
})
