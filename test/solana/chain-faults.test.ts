/**
 * Payments that the chain itself refuses, and a chain that goes away: a clear 402 with the
 * official reason (never 500, never the content), or 503 while nobody can tell, and never a
 * token moved that the seller did not serve. Express seller, stand-in chain, payments built like
 * the official client's (in-process, for speed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expressHarness } from '../conformance/harness-express.js'
import { PAID_CONTENT } from '../conformance/harness.js'
import { solanaOption, solanaSellerConfig, standInSettler, startOverHttp, type HttpSeller } from '../support/solana/sellers.js'
import { startSolanaStandIn, type SolanaKeypair, type SolanaStandIn } from '../support/solana/stand-in.js'
import { payFor, rpc } from '../support/solana/transfer.js'

const PRICE = 10_000n
let sol: SolanaStandIn
let payTo: SolanaKeypair
let seller: HttpSeller

beforeAll(async () => {
  sol = await startSolanaStandIn()
  payTo = await sol.newSeller()
  seller = await startOverHttp(expressHarness, solanaSellerConfig(sol, payTo.address, { settler: standInSettler(sol, { confirmTimeoutMs: 1_500, rpcTimeoutMs: 1_000 }) }), [
    { path: '/data', paywall: { accepts: [solanaOption(sol)] }, behavior: { kind: 'json' } },
    // The RPC goes down while the handler runs: after verification, before settlement.
    { path: '/down-at-settlement', paywall: { accepts: [solanaOption(sol)] }, behavior: { kind: 'json' }, before: () => sol.setDown(true) },
  ])
})
afterAll(async () => {
  await seller?.close()
  await sol?.stop()
})

async function present(header: string, path = '/data') {
  const res = await fetch(seller.urlOf(path), { headers: { 'payment-signature': header } })
  const text = await res.text()
  return { status: res.status, text, body: (text.startsWith('{') ? JSON.parse(text) : {}) as { error?: string; detail?: string }, headers: res.headers }
}

async function balances(buyer: SolanaKeypair) {
  return { buyer: await sol.tokenBalance(buyer.address), seller: await sol.tokenBalance(payTo.address), sent: (await sol.history()).length }
}

describe('the chain refuses the payment: 402 with a reason, nothing moved', () => {
  it('the seller has no token account for the mint: ready() says so, and a payment is refused at simulation', async () => {
    const bare = await sol.newSeller({ ata: false })
    const settler = standInSettler(sol)
    const shop = await startOverHttp(expressHarness, solanaSellerConfig(sol, bare.address, { settler }), [
      { path: '/data', paywall: { accepts: [solanaOption(sol)] }, behavior: { kind: 'json' } },
    ])
    try {
      const readiness = await settler.ready()
      expect(readiness.ok).toBe(false)
      expect(readiness.problems.join('\n')).toContain(bare.address)
      const buyer = await sol.fundBuyer()
      const { header } = await payFor(sol, shop.urlOf('/data'), buyer)
      const res = await fetch(shop.urlOf('/data'), { headers: { 'payment-signature': header } })
      const text = await res.text()
      expect(res.status).toBe(402)
      expect(text).not.toContain(PAID_CONTENT)
      expect(JSON.parse(text)).toMatchObject({ error: 'invalid_exact_svm_transaction_simulation_failed' })
      expect(await sol.tokenBalance(buyer.address)).toBe(10_000_000n)
      expect(await sol.tokenBalance(bare.address)).toBeNull()
    } finally {
      await shop.close()
    }
  })

  it('the buyer holds less than the price: 402 simulation failed', async () => {
    const buyer = await sol.fundBuyer({ amount: PRICE - 1n })
    const { header } = await payFor(sol, seller.urlOf('/data'), buyer)
    const before = await balances(buyer)
    const res = await present(header)
    expect(res.status).toBe(402)
    expect(res.text).not.toContain(PAID_CONTENT)
    expect(res.body.error).toBe('invalid_exact_svm_transaction_simulation_failed')
    expect(await balances(buyer)).toEqual(before)
  })
})

describe('the RPC goes away: 503, nothing charged', () => {
  it('down during verification: 503 chain_unavailable naming no URL, no transaction; once it is back the same payment pays once', async () => {
    const buyer = await sol.fundBuyer()
    const { header } = await payFor(sol, seller.urlOf('/data'), buyer)
    const before = await balances(buyer)
    await sol.setDown(true)
    try {
      const res = await present(header)
      expect(res.status).toBe(503)
      expect(res.text).not.toContain(PAID_CONTENT)
      expect(res.body.error).toBe('chain_unavailable')
      expect(res.text).not.toContain(new URL(sol.url).host)
    } finally {
      await sol.setDown(false)
    }
    expect(await balances(buyer)).toEqual(before)
    const again = await present(header)
    expect(again.status).toBe(200)
    expect(await sol.tokenBalance(buyer.address)).toBe(before.buyer! - PRICE)
    expect(await sol.tokenBalance(payTo.address)).toBe(before.seller! + PRICE)
  })

  it('down at settlement (it went down while the handler ran): 503 chain_unavailable, nothing sent, the content held back; once back the same payment pays once', async () => {
    const buyer = await sol.fundBuyer()
    const { header } = await payFor(sol, seller.urlOf('/down-at-settlement'), buyer)
    const before = await balances(buyer)
    let res: Awaited<ReturnType<typeof present>>
    try {
      res = await present(header, '/down-at-settlement')
    } finally {
      await sol.setDown(false)
    }
    expect(res.status).toBe(503)
    expect(res.text).not.toContain(PAID_CONTENT)
    expect(res.body.error).toBe('chain_unavailable')
    expect(await balances(buyer)).toEqual(before)
    const again = await present(header)
    expect(again.status).toBe(200)
    expect(await sol.tokenBalance(buyer.address)).toBe(before.buyer! - PRICE)
    expect(await sol.tokenBalance(payTo.address)).toBe(before.seller! + PRICE)
    expect((await sol.history()).length).toBe(before.sent + 1)
  })

  it('the connection is cut while sending (it never reached the node): 503 settlement_unknown, nothing moved; presented again, the seller resends the same transaction and serves once', async () => {
    const buyer = await sol.fundBuyer()
    const { header } = await payFor(sol, seller.urlOf('/data'), buyer)
    const before = await balances(buyer)
    await sol.failNext('sendTransaction', 'drop')
    const first = await present(header)
    expect(first.status).toBe(503)
    expect(first.text).not.toContain(PAID_CONTENT)
    expect(first.body.error).toBe('settlement_unknown')
    expect(await balances(buyer)).toEqual(before)
    // Presented again: the seller sends the same signed transaction again (it can land once at most) and, once it has a status, serves.
    const answers = [await present(header)]
    if (answers[0]!.status === 503) answers.push(await present(header))
    expect(answers.slice(0, -1).every((a) => a.body.error === 'settlement_unknown')).toBe(true)
    expect(answers.at(-1)!.status).toBe(200)
    expect(answers.at(-1)!.text).toContain(PAID_CONTENT)
    expect((await sol.history()).length).toBe(before.sent + 1)
    expect(await sol.tokenBalance(buyer.address)).toBe(before.buyer! - PRICE)
    expect(await sol.tokenBalance(payTo.address)).toBe(before.seller! + PRICE)
  })

  it('confirmation never comes in time: 503 settlement_unknown; presented again after it lands: 200 naming that one transaction, one transfer', async () => {
    const buyer = await sol.fundBuyer()
    const { header } = await payFor(sol, seller.urlOf('/data'), buyer)
    const before = await balances(buyer)
    await sol.holdConfirmations()
    let first: Awaited<ReturnType<typeof present>>
    try {
      first = await present(header)
      expect(await balances(buyer)).toEqual(before)
    } finally {
      await sol.releaseConfirmations()
    }
    expect(first.status).toBe(503)
    expect(first.text).not.toContain(PAID_CONTENT)
    expect(first.body.error).toBe('settlement_unknown')
    const sent = (await sol.history()).slice(before.sent)
    expect(sent).toHaveLength(1)

    const again = await present(header)
    expect(again.status).toBe(200)
    expect(JSON.parse(again.text)).toMatchObject({ content: PAID_CONTENT, transaction: sent[0]!.signature })
    expect((await sol.history()).length).toBe(before.sent + 1)
    expect(await sol.tokenBalance(buyer.address)).toBe(before.buyer! - PRICE)
    expect(await sol.tokenBalance(payTo.address)).toBe(before.seller! + PRICE)
  })
})

// Last: the seller caches its blockhash hint for a moment, so payments signed right after an expiry would carry the old one.
describe('the blockhash expires', () => {
  it('the blockhash expired before the payment arrived: 402, with a detail that says so', async () => {
    const buyer = await sol.fundBuyer()
    const { header } = await payFor(sol, seller.urlOf('/data'), buyer)
    await sol.expireBlockhash()
    const before = await balances(buyer)
    const res = await present(header)
    expect(res.status).toBe(402)
    expect(res.text).not.toContain(PAID_CONTENT)
    expect(res.body.error).toBe('invalid_exact_svm_transaction_simulation_failed')
    expect(res.body.detail ?? '').toMatch(/blockhash/i)
    expect(await balances(buyer)).toEqual(before)
  })

  it('a settlement left unknown whose blockhash then expires without it landing: presented again, 402 transaction_expired, provably nothing charged', async () => {
    const buyer = await sol.fundBuyer()
    // Signed on the cluster's current blockhash (the seller's 2 s hint may still name the one expired above).
    const { value } = await rpc<{ value: { blockhash: string } }>(sol.url, 'getLatestBlockhash')
    const { header } = await payFor(sol, seller.urlOf('/data'), buyer, { blockhash: value.blockhash })
    const before = await balances(buyer)
    await sol.holdConfirmations()
    let first: Awaited<ReturnType<typeof present>>
    try {
      first = await present(header)
      // The blockhash expires while the transaction waits, and the chain moves on well past its last valid height
      // (the seller allows some slack over the height it knew): no cluster can include it any more.
      await sol.expireBlockhash()
      await sol.expireBlockhash()
    } finally {
      await sol.releaseConfirmations()
    }
    expect(first.status).toBe(503)
    expect(first.body.error).toBe('settlement_unknown')
    expect((await sol.history()).slice(before.sent).map((h) => h.state)).toEqual(['dropped'])
    const again = await present(header)
    expect(again.status).toBe(402)
    expect(again.text).not.toContain(PAID_CONTENT)
    expect(again.body.error).toBe('invalid_exact_svm_transaction_expired')
    expect(await sol.tokenBalance(buyer.address)).toBe(before.buyer)
    expect(await sol.tokenBalance(payTo.address)).toBe(before.seller)
  })
})
