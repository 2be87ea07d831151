/**
 * The same page from the Web fetch adapter (Hono, Bun, Deno, Workers style), served over real
 * HTTP: the core renders it, so it behaves as on Express. A purchase of HTML and of JSON, the CSP
 * on, and no console errors.
 */
import type { Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tollgate as fetchTollgate } from '../../adapters/fetch.js'
import { solanaSettler } from '../../src/chains/solana/index.js'
import { localSettler, memoryStore } from '../../src/index.js'
import { serveOnNode } from '../../examples/hono/node-serve.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { launchChromium, requireChromiumOrSkip } from './support/chromium.js'
import { connect, pay, shot, UI_TIMEOUT_MS, visit } from './support/paywall-page.js'
import { DATA, PRICE, startWebShop, type Shop } from './support/shop.js'

const skip = requireChromiumOrSkip('browser paywall (Web fetch adapter)')

let chain: TestChain
let shop: Shop
let browser: Browser
const buyerKeys = new Map<string, Hex>()

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  shop = await startWebShop(chain, buyerKeys)
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await shop?.close()
  await chain?.stop()
})

async function freshBuyer() {
  const account = privateKeyToAccount(generatePrivateKey())
  await chain.mint(account.address, 1_000_000n)
  return account
}

describe.skipIf(skip)('browser paywall on the Web fetch adapter, in Chromium', { timeout: 120_000 }, () => {
  it('sells an HTML article under the CSP, and exactly the price moves', async () => {
    const buyer = await freshBuyer()
    const seller = await chain.balanceOf(chain.accounts.seller.address)
    const v = await visit(browser, `${shop.url}/article`, chain, { account: buyer })
    try {
      expect(v.navigation.status()).toBe(402)
      expect(v.navigation.headers()['content-security-policy']).toContain("script-src 'nonce-")
      expect(v.navigation.headers()['content-type']).toBe('text/html; charset=utf-8')
      await shot(v.page, 'web-1-paywall')
      await connect(v.page)
      await pay(v.page)
      await v.page.locator('#paid-article').waitFor({ timeout: UI_TIMEOUT_MS })
      await shot(v.page, 'web-2-paid-article')
      expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - PRICE)
      expect((await chain.balanceOf(chain.accounts.seller.address)) - seller).toBe(PRICE)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('shows a JSON answer formatted', async () => {
    const buyer = await freshBuyer()
    const v = await visit(browser, `${shop.url}/data`, chain, { account: buyer })
    try {
      await connect(v.page)
      await pay(v.page)
      const pre = v.page.locator('#tg-result pre')
      await pre.waitFor({ timeout: UI_TIMEOUT_MS })
      expect(JSON.parse((await pre.textContent()) ?? '')).toEqual(DATA)
      expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - PRICE)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it("runs inside the seller's own template, logo and colours, under the same CSP", async () => {
    const logo = `data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="32"><rect width="120" height="32" rx="6" fill="#7e3af2"/></svg>').toString('base64')}`
    const template =
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{title}} | Acme</title></head><body>' +
      '<header id="acme-header">Acme Weather: {{price}}</header>{{paywall}}<footer>{{description}}</footer>' +
      '<script nonce="{{nonce}}">document.getElementById("acme-header").dataset.ready = "yes"</script></body></html>'
    const branded = await startWebShop(chain, buyerKeys, { paywallPage: { title: 'Acme Weather', logoUrl: logo, colors: { accent: '#7e3af2', background: '#111827', surface: '#f9fafb' }, template } })
    const buyer = await freshBuyer()
    const v = await visit(browser, `${branded.url}/data`, chain, { account: buyer })
    try {
      await expect(v.page.title()).resolves.toBe('Acme Weather | Acme')
      await expect(v.page.locator('#acme-header').getAttribute('data-ready')).resolves.toBe('yes')
      await expect(v.page.locator('#acme-header').textContent()).resolves.toBe('Acme Weather: 0.01 USDC (base-sepolia)')
      await v.page.locator('img.tg-logo').waitFor({ timeout: UI_TIMEOUT_MS })
      expect(await v.page.locator('button[data-action="connect"]').first().evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(126, 58, 242)')
      await connect(v.page)
      await shot(v.page, 'web-3-branded')
      await pay(v.page)
      await v.page.locator('#tg-result pre').waitFor({ timeout: UI_TIMEOUT_MS })
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
      await branded.close()
    }
  })

  it('lists a Solana way to pay beside the EVM one; an EVM wallet picks and pays the EVM one', async () => {
    // Rendering reads no chain: the Solana settler's RPC is never called, so none runs.
    const secretKey = new Uint8Array(64).fill(7)
    const solanaPayTo = 'So11111111111111111111111111111111111111112'
    const gate = fetchTollgate({
      payTo: { evm: chain.accounts.seller.address, solana: solanaPayTo },
      settler: { evm: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }), solana: solanaSettler({ secretKey, rpcUrl: 'http://127.0.0.1:9' }) },
      store: memoryStore(),
      networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
    })
    const paywall = gate.paywall({ accepts: [{ amount: '0.01', network: 'solana-devnet' }, { amount: '0.01', network: 'base-sepolia' }], description: 'Two families' })
    const mixed = await serveOnNode((request) => paywall(request, () => Response.json(DATA)), '127.0.0.1', 0)
    const buyer = await freshBuyer()
    const v = await visit(browser, `${mixed.url}/mixed`, chain, { account: buyer })
    try {
      const lines = v.page.locator('#tg-accepts li')
      await expect(lines.nth(0).textContent()).resolves.toBe('0.01 USDCsolana-devnet')
      await expect(lines.nth(1).textContent()).resolves.toBe('0.01 USDCbase-sepolia')
      await expect(v.page.locator('#tg-accepts input').count()).resolves.toBe(2)
      await shot(v.page, 'web-4-solana-listed')
      await connect(v.page)
      // Connecting an EVM wallet picks the EVM way to pay (the Solana one is paid from the page by Solana wallets).
      await expect(v.page.locator('#tg-accepts input').nth(1).isChecked()).resolves.toBe(true)
      await expect(v.page.locator('button[data-action="pay"]').textContent()).resolves.toBe('Pay 0.01 USDC')
      await pay(v.page)
      await v.page.locator('#tg-result pre').waitFor({ timeout: UI_TIMEOUT_MS })
      expect(await chain.balanceOf(buyer.address)).toBe(1_000_000n - PRICE)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
      await mixed.close()
    }
  })

  it('gives a page whose nonce changes per response and matches its one script', async () => {
    const v = await visit(browser, `${shop.url}/data`, chain)
    try {
      const first = v.navigation.headers()['content-security-policy'] ?? ''
      const nonce = /'nonce-([^']+)'/.exec(first)?.[1]
      const again = await fetch(`${shop.url}/data`, { headers: { accept: 'text/html' } })
      expect(again.headers.get('content-security-policy')).not.toBe(first)
      // The page's own script ran (the status line appears) and it is the only script carrying the nonce.
      await v.page.locator('#tg-status[data-code="no_wallet"]').waitFor({ timeout: UI_TIMEOUT_MS })
      const scripts = await v.page.locator('script:not([type])').evaluateAll((nodes) => nodes.map((n) => (n as HTMLScriptElement).nonce))
      expect(scripts).toEqual([nonce])
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })
})
