/**
 * Paying Solana `exact` from the browser paywall in a real Chromium: a Wallet Standard wallet
 * (backed by a test keypair, signing with @solana/kit) pays an Express seller whose solanaSettler
 * settles on the litesvm stand-in. The page builds the very transaction the official @x402/svm
 * client builds (checked byte for byte against kit, here in Node and on what the wallet signed).
 */
import { createServer } from 'node:http'
import { getBase64Encoder, getCompiledTransactionMessageDecoder, getTransactionDecoder, type Address } from '@solana/kit'
import express from 'express'
import type { Browser, Page } from 'playwright-core'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tollgate } from '../../adapters/express.js'
import { paymentTransaction as pagePaymentTransaction } from '../../src/paywall/ui/solana-transaction.js'
import { solanaSettler } from '../../src/chains/solana/index.js'
import { localSettler, memoryStore } from '../../src/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { listenOnLoopback } from '../support/http.js'
import { newKeypair, type SolanaKeypair } from '../support/solana/keys.js'
import { solanaOption, standInSettler } from '../support/solana/sellers.js'
import { startSolanaStandIn, type SolanaStandIn } from '../support/solana/stand-in.js'
import { paymentTransaction as kitPaymentTransaction, rpc } from '../support/solana/transfer.js'
import { launchChromium, newContext, requireChromiumOrSkip, watchConsole } from './support/chromium.js'
import { errorShown, shot, UI_TIMEOUT_MS } from './support/paywall-page.js'
import { ARTICLE_HTML, DATA } from './support/shop.js'
import { installSolanaWallet, SOLANA_WALLET_NAME, type SolanaWalletLog, type SolanaWalletScenario } from './support/solana-wallet.js'
import { installWallet } from './support/test-wallet.js'

const skip = requireChromiumOrSkip('browser paywall (Solana)')
const PRICE = 10_000n // '0.01' of the stand-in's 6-decimal mint
const SPL_TOKEN = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA' as Address
const TOKEN_2022 = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb' as Address

/** The page's builder and kit's (laid out as the official client does) give the same message bytes. */
async function bothMessages(opts: { buyer: SolanaKeypair; payTo: Address; feePayer: Address; mint: Address; tokenProgram: Address; amount: bigint; decimals: number; memo: string; blockhash: string }) {
  const kit = await kitPaymentTransaction({} as SolanaStandIn, { ...opts })
  const page = await pagePaymentTransaction({ ...opts, buyer: opts.buyer.address, memo: new TextEncoder().encode(opts.memo) })
  return { kit: Buffer.from(getTransactionDecoder().decode(getBase64Encoder().encode(kit)).messageBytes), page: Buffer.from(page.message), pageWire: page.wire }
}

describe("the page's Solana transaction (Node, no browser needed)", () => {
  it('is byte for byte the one kit builds like the official client, for either token program', async () => {
    for (const tokenProgram of [SPL_TOKEN, TOKEN_2022, SPL_TOKEN, TOKEN_2022, SPL_TOKEN]) {
      const [buyer, payTo, feePayer, mint, hash] = await Promise.all([newKeypair(), newKeypair(), newKeypair(), newKeypair(), newKeypair()])
      const amount = BigInt(Math.floor(Math.random() * 1e12))
      const { kit, page, pageWire } = await bothMessages({ buyer, payTo: payTo.address, feePayer: feePayer.address, mint: mint.address, tokenProgram, amount, decimals: 6, memo: 'a'.repeat(32), blockhash: hash.address })
      expect(page.toString('hex')).toBe(kit.toString('hex'))
      // Two signature slots (fee payer, buyer), both empty until signed.
      expect(pageWire[0]).toBe(2)
      expect(Buffer.from(pageWire.subarray(1, 129)).every((b) => b === 0)).toBe(true)
    }
  })
})

let chain: TestChain
let sol: SolanaStandIn
let solSeller: SolanaKeypair
let t22: { mint: Address; seller: SolanaKeypair }
let seller: { url: string; close(): Promise<void> }
let browser: Browser

beforeAll(async () => {
  if (skip) return
  ;[chain, sol] = await Promise.all([startTestChain({ fundBuyers: 0n }), startSolanaStandIn()])
  solSeller = await sol.newSeller()
  const t22Mint = (await sol.createMint({ tokenProgram: 'token-2022' })).mint
  t22 = { mint: t22Mint, seller: await sol.newSeller({ mint: t22Mint }) }
  const gate = tollgate({
    payTo: { evm: chain.accounts.seller.address, solana: solSeller.address },
    settler: { evm: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }), solana: standInSettler(sol) },
    store: memoryStore(),
    networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
  })
  const app = express()
  app.get('/favicon.ico', (_req, res) => void res.status(204).end())
  app.get('/article', gate.paywall({ accepts: [solanaOption(sol)], description: 'A paid article' }), (_req, res) => void res.type('html').send(ARTICLE_HTML))
  app.get('/data', gate.paywall({ accepts: [solanaOption(sol)], description: 'Weather data' }), (_req, res) => void res.json(DATA))
  app.get('/both', gate.paywall({ accepts: [{ amount: '0.01', network: 'base-sepolia' }, solanaOption(sol)], description: 'Weather data, EVM or Solana' }), (req, res) => void res.json({ ...DATA, paidOn: req.payment?.network }))
  const t22Option = { amount: '0.025', network: sol.network, asset: { address: t22.mint, decimals: 6, tokenProgram: 'token-2022' as const }, payTo: t22.seller.address }
  app.get('/t22', gate.paywall({ accepts: [t22Option], description: 'Priced in a Token-2022 mint' }), (_req, res) => void res.json(DATA))
  // A seller whose Solana RPC refuses every connection: its 402s can carry no blockhash.
  const cutOff = tollgate({ payTo: solSeller.address, settler: solanaSettler({ secretKey: sol.feePayer.secretKey, rpcUrl: 'http://127.0.0.1:9', rpcTimeoutMs: 1_000 }), store: memoryStore() })
  app.get('/no-rpc', cutOff.paywall({ accepts: [solanaOption(sol)], description: 'Seller without its Solana RPC' }), (_req, res) => void res.json(DATA))
  seller = await listenOnLoopback(createServer(app))
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await seller?.close()
  await Promise.all([chain?.stop(), sol?.stop()])
})

interface SolanaVisit {
  page: Page
  wallet: SolanaWalletLog | undefined
  console: ReturnType<typeof watchConsole>
  status: number
  close(): Promise<void>
}

async function visit(path: string, scenario?: SolanaWalletScenario, evmWallet = false): Promise<SolanaVisit> {
  const context = await newContext(browser)
  const wallet = scenario ? await installSolanaWallet(context, scenario) : undefined
  if (evmWallet) await installWallet(context, chain.publicClient, chain.chainId, { account: privateKeyToAccount(generatePrivateKey()) })
  const page = await context.newPage()
  const log = watchConsole(page)
  const navigation = await page.goto(`${seller.url}${path}`)
  return { page, wallet, console: log, status: navigation?.status() ?? 0, close: () => context.close() }
}

async function connectAndPay(page: Page, walletName = SOLANA_WALLET_NAME): Promise<void> {
  await page.locator(`button[data-action="connect"][data-wallet="${walletName}"]`).click({ timeout: UI_TIMEOUT_MS })
  await page.locator('#tg-account').waitFor({ timeout: UI_TIMEOUT_MS })
  await page.locator('button[data-action="pay"]').click({ timeout: UI_TIMEOUT_MS })
}

async function balances(buyer: Address) {
  return { buyer: (await sol.tokenBalance(buyer)) ?? 0n, seller: (await sol.tokenBalance(solSeller.address)) ?? 0n }
}

/** The signed transaction's memo and blockhash, to rebuild it with kit and compare. */
function decodeSigned(base64: string) {
  const tx = getTransactionDecoder().decode(getBase64Encoder().encode(base64))
  const message = getCompiledTransactionMessageDecoder().decode(tx.messageBytes) as unknown as { instructions: { data?: Uint8Array }[]; lifetimeToken: string }
  const memo = Buffer.from(message.instructions[3]!.data ?? []).toString('utf8')
  return { tx, message, memo, blockhash: message.lifetimeToken }
}

describe.skipIf(skip)('Solana payments in the browser paywall, in Chromium', { timeout: 120_000 }, () => {
  it('pays with a Wallet Standard wallet: click, sign, the article replaces the page, exactly the price moves', async () => {
    const buyer = await sol.fundBuyer()
    const before = await balances(buyer.address)
    const v = await visit('/article', { keypair: buyer })
    try {
      expect(v.status).toBe(402)
      await expect(v.page.locator('#tg-accepts').textContent()).resolves.toBe('0.01 tokens (' + sol.mint.slice(0, 6) + '…)solana-devnet')
      // Both wallets are offered by name, one found through the events, one through navigator.wallets.
      await v.page.locator('button[data-wallet="Refusing Solana Wallet"]').waitFor({ timeout: UI_TIMEOUT_MS })
      await v.page.locator(`button[data-wallet="${SOLANA_WALLET_NAME}"] img`).waitFor({ timeout: UI_TIMEOUT_MS })
      await shot(v.page, 'solana-1-paywall')
      await connectAndPay(v.page)
      await v.page.locator('#paid-article').waitFor({ timeout: UI_TIMEOUT_MS })
      await shot(v.page, 'solana-2-paid-article')

      const after = await balances(buyer.address)
      expect(before.buyer - after.buyer).toBe(PRICE)
      expect(after.seller - before.seller).toBe(PRICE)
      expect(v.wallet!.requests).toHaveLength(1)
      expect(v.wallet!.requests[0]!.chain).toBe('solana:devnet')
      // What the wallet signed is what kit builds as the official client, for the same memo and blockhash.
      const { tx, memo, blockhash } = decodeSigned(v.wallet!.signed[0]!)
      expect(memo).toMatch(/^[0-9a-f]{32}$/)
      const { kit } = await bothMessages({ buyer, payTo: solSeller.address, feePayer: sol.feePayer.address, mint: sol.mint, tokenProgram: sol.tokenProgram, amount: PRICE, decimals: 6, memo, blockhash })
      expect(Buffer.from(tx.messageBytes).toString('hex')).toBe(kit.toString('hex'))
      // Partially signed: the buyer's slot filled, the fee payer's left empty for the seller.
      expect(tx.signatures[sol.feePayer.address]).toBeNull()
      expect(tx.signatures[buyer.address]).toBeTruthy()
      const landed = (await sol.history()).filter((h) => h.state === 'landed' && h.err === null)
      expect(landed.at(-1)!.feePayer).toBe(sol.feePayer.address)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('pays a Token-2022 mint: the transfer runs under its program, exactly the price moves', async () => {
    const buyer = await sol.fundBuyer({ mint: t22.mint })
    const v = await visit('/t22', { keypair: buyer })
    try {
      await connectAndPay(v.page)
      const pre = v.page.locator('#tg-result pre')
      await pre.waitFor({ timeout: UI_TIMEOUT_MS })
      expect(JSON.parse((await pre.textContent()) ?? '')).toEqual(DATA)
      expect(await sol.tokenBalance(buyer.address, t22.mint)).toBe(10_000_000n - 25_000n)
      expect(await sol.tokenBalance(t22.seller.address, t22.mint)).toBe(25_000n)
      const { message } = decodeSigned(v.wallet!.signed[0]!) as unknown as { message: { staticAccounts: string[]; instructions: { programAddressIndex: number }[] } }
      expect(message.staticAccounts[message.instructions[2]!.programAddressIndex]).toBe(TOKEN_2022)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('shows a JSON answer with the transaction signature', async () => {
    const buyer = await sol.fundBuyer()
    const v = await visit('/data', { keypair: buyer })
    try {
      await connectAndPay(v.page)
      const pre = v.page.locator('#tg-result[data-type="application/json"] pre')
      await pre.waitFor({ timeout: UI_TIMEOUT_MS })
      expect(JSON.parse((await pre.textContent()) ?? '')).toEqual(DATA)
      await expect(v.page.locator('#tg-paid').textContent()).resolves.toMatch(/^Paid 0\.01 tokens \(.+\(transaction [1-9A-HJ-NP-Za-km-z]{6}…[1-9A-HJ-NP-Za-km-z]{4}\)\.$/)
      await shot(v.page, 'solana-3-paid-json')
      expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n - PRICE)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('says so when the buyer declines in the wallet, and nothing moves', async () => {
    const buyer = await sol.fundBuyer()
    const before = await balances(buyer.address)
    const sent = (await sol.history()).length
    const v = await visit('/data', { keypair: buyer, rejectSign: true })
    try {
      await connectAndPay(v.page)
      const shown = await errorShown(v.page)
      await shot(v.page, 'solana-4-rejected')
      expect(shown.code).toBe('user_rejected')
      expect(shown.text).toContain('You declined the transaction in your wallet')
      expect(v.wallet!.requests).toHaveLength(1)
      expect(await balances(buyer.address)).toEqual(before)
      expect((await sol.history()).length).toBe(sent)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it("explains the seller's refusal when the buyer holds too little of the token, and nothing moves", async () => {
    const buyer = await sol.fundBuyer({ amount: PRICE - 1n })
    const before = await balances(buyer.address)
    const sent = (await sol.history()).length
    const v = await visit('/data', { keypair: buyer })
    try {
      await connectAndPay(v.page)
      const shown = await errorShown(v.page)
      await shot(v.page, 'solana-5-insufficient')
      expect(shown.code).toBe('invalid_exact_svm_transaction_simulation_failed')
      expect(shown.text).toContain('your wallet holds too little of this token')
      expect(await balances(buyer.address)).toEqual(before)
      expect((await sol.history()).length).toBe(sent)
    } finally {
      await v.close()
    }
  })

  it("the seller's 402 carries a recent blockhash for the page, and a new one once the old expires", async () => {
    const hintOf = async () => {
      const res = await fetch(`${seller.url}/data`, { headers: { accept: 'application/json' } })
      const required = JSON.parse(Buffer.from(res.headers.get('payment-required') ?? '', 'base64').toString('utf8')) as { accepts: { extra?: { recentBlockhash?: string } }[] }
      return required.accepts[0]?.extra?.recentBlockhash
    }
    /** The hint is cached for a couple of seconds: asked again until it is the one wanted (bounded). */
    const awaitHint = async (wanted: string) => {
      let hint: string | undefined
      for (let attempt = 0; attempt < 40 && hint !== wanted; attempt++) {
        hint = await hintOf()
        if (hint !== wanted) await new Promise((resolve) => setTimeout(resolve, 250))
      }
      return hint
    }
    const latest = async () => (await rpc<{ value: { blockhash: string } }>(sol.url, 'getLatestBlockhash')).value.blockhash
    const first = await latest()
    await expect(awaitHint(first)).resolves.toBe(first)
    const { blockhash: next } = await sol.expireBlockhash()
    expect(next).not.toBe(first)
    await expect(awaitHint(next)).resolves.toBe(next)
  })

  it('says so when the seller gives no blockhash (its Solana RPC is down), and asks no signature', async () => {
    const buyer = await sol.fundBuyer()
    const v = await visit('/no-rpc', { keypair: buyer })
    try {
      await connectAndPay(v.page)
      const shown = await errorShown(v.page)
      await shot(v.page, 'solana-9-no-blockhash')
      expect(shown.code).toBe('no_blockhash')
      expect(shown.text).toContain('The seller sent no recent Solana blockhash')
      expect(v.wallet!.requests).toEqual([])
      expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('tells a buyer without a Solana wallet what to install', async () => {
    const v = await visit('/data')
    try {
      const shown = await errorShown(v.page)
      expect(shown.code).toBe('no_wallet')
      expect(shown.text).toContain('a Solana wallet (Phantom, Solflare, Backpack…)')
      await shot(v.page, 'solana-6-no-wallet')
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })

  it('offers EVM and Solana side by side; connecting the Solana wallet pays in Solana, nothing moves on the EVM chain', async () => {
    const buyer = await sol.fundBuyer()
    const before = await balances(buyer.address)
    const evmSeller = await chain.balanceOf(chain.accounts.seller.address)
    const v = await visit('/both', { keypair: buyer }, true)
    try {
      const lines = v.page.locator('#tg-accepts li')
      await expect(lines.nth(0).textContent()).resolves.toBe('0.01 USDCbase-sepolia')
      await expect(lines.nth(1).textContent()).resolves.toBe(`0.01 tokens (${sol.mint.slice(0, 6)}…)solana-devnet`)
      await expect(v.page.locator('#tg-accepts input').count()).resolves.toBe(2)
      await v.page.locator('button[data-family="eip155"][data-wallet="Test Wallet"]').waitFor({ timeout: UI_TIMEOUT_MS })
      await v.page.locator(`button[data-family="solana"][data-wallet="${SOLANA_WALLET_NAME}"]`).waitFor({ timeout: UI_TIMEOUT_MS })
      await shot(v.page, 'solana-7-both-families')
      await connectAndPay(v.page)
      const pre = v.page.locator('#tg-result pre')
      await pre.waitFor({ timeout: UI_TIMEOUT_MS })
      await shot(v.page, 'solana-8-both-paid-solana')
      expect(JSON.parse((await pre.textContent()) ?? '')).toEqual({ ...DATA, paidOn: sol.network })
      const after = await balances(buyer.address)
      expect(before.buyer - after.buyer).toBe(PRICE)
      expect(after.seller - before.seller).toBe(PRICE)
      expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(evmSeller)
      expect(v.console.errors).toEqual([])
    } finally {
      await v.close()
    }
  })
})
