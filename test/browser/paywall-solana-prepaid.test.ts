/**
 * A prepaid package bought in the page with a Solana wallet: the package is priced on Solana, the
 * buyer signs one transfer of exactly its price (settled by the seller's fee payer on the stand-in),
 * the paid answer shows, and the kept credential pays the next visit with no wallet and no transfer.
 */
import { createServer } from 'node:http'
import express from 'express'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tollgate } from '../../adapters/express.js'
import { memoryStore } from '../../src/index.js'
import { prepaid } from '../../src/prepaid/index.js'
import { listenOnLoopback } from '../support/http.js'
import { solanaOption, standInSettler } from '../support/solana/sellers.js'
import { startSolanaStandIn, type SolanaKeypair, type SolanaStandIn } from '../support/solana/stand-in.js'
import { launchChromium, newContext, requireChromiumOrSkip, watchConsole } from './support/chromium.js'
import { shot, UI_TIMEOUT_MS } from './support/paywall-page.js'
import { DATA } from './support/shop.js'
import { installSolanaWallet, SOLANA_WALLET_NAME } from './support/solana-wallet.js'

const skip = requireChromiumOrSkip('browser paywall (prepaid with Solana)')
const PACKAGE_PRICE = 50_000n // 0.05 of the stand-in's 6-decimal mint

let sol: SolanaStandIn
let solSeller: SolanaKeypair
let seller: { url: string; close(): Promise<void> }
let browser: Browser

beforeAll(async () => {
  if (skip) return
  sol = await startSolanaStandIn()
  solSeller = await sol.newSeller()
  const gate = tollgate({
    payTo: solSeller.address,
    settler: standInSettler(sol),
    store: memoryStore(),
    prepaid: prepaid({
      secret: 'browser-tests-solana-prepaid-secret-0123456789',
      packages: [{ id: 'starter', calls: 2, days: 30, description: 'Two calls', price: solanaOption(sol, '0.05') }],
    }),
  })
  const app = express()
  app.get('/favicon.ico', (_req, res) => void res.status(204).end())
  app.use(gate.prepaidRoutes())
  app.get('/prepaid-data', gate.paywall({ accepts: [solanaOption(sol)], prepaid: true, description: 'Weather data, prepaid packages welcome' }), (_req, res) => void res.json(DATA))
  seller = await listenOnLoopback(createServer(app))
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await seller?.close()
  await sol?.stop()
})

describe.skipIf(skip)('prepaid packages bought with a Solana wallet in the page', { timeout: 120_000 }, () => {
  it('buys the package with one Solana transfer of its price, then spends the kept credential without the wallet', async () => {
    const buyer = await sol.fundBuyer()
    const sellerBefore = (await sol.tokenBalance(solSeller.address)) ?? 0n
    const context = await newContext(browser)
    const wallet = await installSolanaWallet(context, { keypair: buyer })
    const page = await context.newPage()
    const log = watchConsole(page)
    try {
      await page.goto(`${seller.url}/prepaid-data`)
      const buy = page.locator('button[data-action="buy"][data-package="starter"]')
      await buy.waitFor({ timeout: UI_TIMEOUT_MS })
      await expect(page.locator('#tg-prepaid').textContent()).resolves.toContain('2 calls for 30 days: 0.05')
      await page.locator(`button[data-action="connect"][data-wallet="${SOLANA_WALLET_NAME}"]`).click({ timeout: UI_TIMEOUT_MS })
      await page.locator('#tg-account').waitFor({ timeout: UI_TIMEOUT_MS })
      await buy.click()
      const pre = page.locator('#tg-result pre')
      await pre.waitFor({ timeout: UI_TIMEOUT_MS })
      expect(JSON.parse((await pre.textContent()) ?? '')).toEqual(DATA)
      await expect(page.locator('#tg-paid').textContent()).resolves.toBe('Bought the starter package. Paid with your starter package: 1 call left.')
      await shot(page, 'solana-prepaid-1-bought')
      expect(wallet.signed).toHaveLength(1)
      expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PACKAGE_PRICE)
      expect(((await sol.tokenBalance(solSeller.address)) ?? 0n) - sellerBefore).toBe(PACKAGE_PRICE)

      // The next visit: the kept credential pays; the wallet signs nothing and no token moves.
      await page.goto(`${seller.url}/prepaid-data`)
      const use = page.locator('button[data-action="use-credential"]')
      await use.waitFor({ timeout: UI_TIMEOUT_MS })
      await use.click()
      await page.locator('#tg-result pre').waitFor({ timeout: UI_TIMEOUT_MS })
      await expect(page.locator('#tg-paid').textContent()).resolves.toBe('Paid with your starter package: 0 calls left.')
      expect(wallet.signed).toHaveLength(1)
      expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PACKAGE_PRICE)
      expect(log.errors).toEqual([])
    } finally {
      await context.close()
    }
  })
})
