import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tollgate } from '../../adapters/express.js'
import { createServer } from 'node:http'
import express from 'express'
import { solanaPush, solanaSettler } from '../../src/chains/solana/index.js'
import { memoryStore, type MemoryStore, type TollgateConfig } from '../../src/index.js'
import { listenOnLoopback, type TestServer } from '../support/http.js'
import { decodeHeader } from '../support/payments.js'
import type { SolanaKeypair } from '../support/solana/keys.js'
import { startSolanaStandIn, type SolanaStandIn } from '../support/solana/stand-in.js'
import { pushSplTransfer, solanaBoundHeader } from './solana-push-buyer.js'

const PRICE = 100_000n
/** The seller's own x402 settler on the stand-in (its fee payer): push payments need none, the route's x402 option does. */
const standInSettler = (sol: SolanaStandIn) => solanaSettler({ secretKey: sol.feePayer.secretKey, rpcUrl: sol.url, confirmTimeoutMs: 5_000, rpcTimeoutMs: 2_000 })
/** The stand-in's mint on the network it poses as (devnet). */
const solanaOption = (sol: SolanaStandIn, amount: string) => ({ amount, network: sol.network, asset: { address: sol.mint, decimals: sol.decimals } })
let sol: SolanaStandIn
let seller: SolanaKeypair
let store: MemoryStore
let server: TestServer

async function startSeller(overrides: Partial<TollgateConfig> = {}): Promise<TestServer> {
  const gate = tollgate({ payTo: { solana: seller.address }, settler: standInSettler(sol), store: memoryStore(), push: solanaPush({ rpcUrl: sol.url, requestTimeoutMs: 2_000 }), ...overrides } as TollgateConfig)
  const app = express()
  app.get('/data', gate.paywall({ ...solanaOption(sol, '0.10'), push: true }), (req, res) => res.json({ payment: req.payment }))
  return listenOnLoopback(createServer(app))
}

beforeAll(async () => {
  sol = await startSolanaStandIn()
  seller = await sol.newSeller()
  store = memoryStore()
  server = await startSeller({ store })
})

afterAll(async () => {
  await server?.close()
  await sol?.stop()
})

const buyer = () => sol.fundBuyer({ amount: 10_000_000n, sol: 1_000_000_000n })
const get = (url: string, authorization?: string) => fetch(url, authorization ? { headers: { authorization } } : {})
async function refusal(res: Response) {
  const body = (await res.json()) as { error: string; detail?: string }
  return { status: res.status, error: body.error, detail: body.detail }
}

describe('push payments on Solana through Express (litesvm stand-in)', () => {
  it('challenges with WWW-Authenticate beside the unchanged x402 answer', async () => {
    const res = await get(`${server.url}/data`)
    expect(res.status).toBe(402)
    expect(res.headers.get('www-authenticate')).toBe(`x402 chain="solana-devnet" token="${sol.mint}" amount="0.1" address="${seller.address}" asset="${sol.mint}" binding="ed25519" max_age="900"`)
    const required = decodeHeader<{ accepts: Array<{ scheme: string; network: string }> }>(res.headers.get('payment-required')!)
    expect(required.accepts).toEqual([expect.objectContaining({ scheme: 'exact', network: sol.network })])
    expect(((await res.json()) as { accepts: unknown[] }).accepts).toHaveLength(1)
  })

  it('serves a bound, confirmed SPL transfer once and keeps the signature claimed', async () => {
    const url = `${server.url}/data`
    const payer = await buyer()
    const before = await sol.tokenBalance(seller.address)
    const signature = await pushSplTransfer(sol, payer, seller.address, PRICE)
    expect(await sol.tokenBalance(seller.address)).toBe((before ?? 0n) + PRICE)
    const header = await solanaBoundHeader(sol, signature, payer, url)
    const res = await get(url, header)
    expect(res.status).toBe(200)
    expect(((await res.json()) as { payment: Record<string, string> }).payment).toMatchObject({ scheme: 'push', network: sol.network, payer: payer.address, amount: String(PRICE), asset: sol.mint, transaction: signature })
    expect(decodeHeader<{ transaction: string }>(res.headers.get('payment-response')!).transaction).toBe(signature)
    expect(await store.get(`x402:push:${sol.network}:${signature}`)).toBe('1')
    expect(await refusal(await get(url, header))).toMatchObject({ status: 409, error: 'payment_already_used' })
  })

  it('gives exactly one 200 to 50 concurrent presentations of one signature', async () => {
    const url = `${server.url}/data`
    const payer = await buyer()
    const header = await solanaBoundHeader(sol, await pushSplTransfer(sol, payer, seller.address, PRICE), payer, url)
    const answers = await Promise.all(Array.from({ length: 50 }, () => get(url, header)))
    const statuses = answers.map((r) => r.status)
    await Promise.all(answers.map((r) => r.arrayBuffer()))
    expect(statuses.filter((s) => s === 200)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(49)
  })

  it('answers a transaction not landed yet with 402 and Retry-After, and serves it once confirmed', async () => {
    const url = `${server.url}/data`
    const payer = await buyer()
    await sol.holdConfirmations()
    let signature: string
    try {
      signature = await pushSplTransfer(sol, payer, seller.address, PRICE)
      const early = await get(url, await solanaBoundHeader(sol, signature, payer, url))
      expect(Number(early.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(await refusal(early)).toMatchObject({ status: 402, error: 'push_transaction_not_found' })
    } finally {
      await sol.releaseConfirmations()
    }
    expect((await get(url, await solanaBoundHeader(sol, signature, payer, url))).status).toBe(200)
  })

  it('refuses a failed transaction, a transfer to someone else, another mint, too little, an unknown signature', async () => {
    const url = `${server.url}/data`
    const payer = await buyer()
    const other = await sol.newSeller()
    const failed = await pushSplTransfer(sol, payer, seller.address, 10n ** 12n)
    expect((await sol.history()).find((h) => h.signature === failed)?.err).toBeTruthy()
    const elsewhere = await pushSplTransfer(sol, payer, other.address, PRICE)
    const mint = await sol.createMint({ decimals: 6 })
    await sol.fund(payer.address, PRICE, mint.mint)
    await sol.createAta(seller.address, mint.mint)
    const wrongMint = await pushSplTransfer(sol, payer, seller.address, PRICE, { mint: mint.mint })
    const small = await pushSplTransfer(sol, payer, seller.address, PRICE - 1n)
    const check = async (signature: string) => refusal(await get(url, await solanaBoundHeader(sol, signature, payer, url)))
    expect(await check(failed)).toMatchObject({ status: 402, error: 'push_transaction_failed' })
    expect(await check(elsewhere)).toMatchObject({ status: 402, error: 'push_recipient_mismatch' })
    expect(await check(wrongMint)).toMatchObject({ status: 402, error: 'push_asset_mismatch' })
    expect(await check(small)).toMatchObject({ status: 402, error: 'push_amount_insufficient', detail: 'the transaction pays 0.099999; the price is 0.1' })
    // Each of those can never pay this route: their claims stay.
    expect(await check(small)).toMatchObject({ status: 409 })
    const unknown = '5'.repeat(87)
    expect(await check(unknown)).toMatchObject({ status: 402, error: 'push_transaction_not_found' })
  })

  it('refuses a signature presented by someone who did not pay, then serves the payer', async () => {
    const url = `${server.url}/data`
    const payer = await buyer()
    const thief = await sol.newKeypair()
    const signature = await pushSplTransfer(sol, payer, seller.address, PRICE)
    expect(await refusal(await get(url, `x402 ${signature}`))).toMatchObject({ status: 402, error: 'push_binding_required' })
    expect(await refusal(await get(url, await solanaBoundHeader(sol, signature, thief, url)))).toMatchObject({ status: 403, error: 'push_binding_invalid' })
    expect(await refusal(await get(url, await solanaBoundHeader(sol, signature, payer, `${server.url}/elsewhere`)))).toMatchObject({ status: 403, error: 'push_binding_invalid' })
    expect((await get(url, await solanaBoundHeader(sol, signature, payer, url))).status).toBe(200)
  })

  it('refuses a transaction older than maxAgeSeconds', async () => {
    const payer = await buyer()
    const signature = await pushSplTransfer(sol, payer, seller.address, PRICE)
    const late = await startSeller({ clock: () => Date.now() + 3_600_000 })
    try {
      const url = `${late.url}/data`
      expect(await refusal(await get(url, await solanaBoundHeader(sol, signature, payer, url)))).toMatchObject({ status: 402, error: 'push_transaction_too_old' })
    } finally {
      await late.close()
    }
  })

  it('takes the bare signature with binding: none', async () => {
    const open = await startSeller({ push: solanaPush({ rpcUrl: sol.url, binding: 'none' }) })
    try {
      const payer = await buyer()
      const signature = await pushSplTransfer(sol, payer, seller.address, PRICE)
      const res = await get(`${open.url}/data`, `x402 ${signature}`)
      expect(res.status).toBe(200)
      expect(((await res.json()) as { payment: { payer: string } }).payment.payer).toBe(payer.address)
    } finally {
      await open.close()
    }
  })

  it('answers 503 chain_unavailable while the node cannot be reached, and leaves the signature free', async () => {
    const url = `${server.url}/data`
    const payer = await buyer()
    const signature = await pushSplTransfer(sol, payer, seller.address, PRICE)
    const header = await solanaBoundHeader(sol, signature, payer, url)
    await sol.setDown(true)
    try {
      expect(await refusal(await get(url, header))).toMatchObject({ status: 503, error: 'chain_unavailable' })
    } finally {
      await sol.setDown(false)
    }
    expect((await get(url, header)).status).toBe(200)
  })

  it('answers a malformed Solana credential with 400', async () => {
    const url = `${server.url}/data`
    const signature = '5'.repeat(87)
    expect(await refusal(await get(url, `x402 tx_hash="${signature}" signature="0x1234"`))).toMatchObject({ status: 400, error: 'invalid_payload' })
    expect(await refusal(await get(url, `x402 tx_hash="${signature}" payer_address="0x${'1'.repeat(40)}"`))).toMatchObject({ status: 400, error: 'invalid_payload' })
  })
})
