/**
 * A settlement whose outcome is unknown when the buyer is answered (the receipt did not come in
 * time: anvil with automine off, mined by hand later) is recorded pending, and the same payment
 * presented again is resolved from the chain: served once without a second charge when the transfer
 * landed, refused with the reason when it provably never did, settled anew when it never did and
 * still can, and 503 again while nobody can tell. Real Express seller, real anvil, official buyer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Hex, PrivateKeyAccount } from 'viem'
import { prepaid } from '../../src/prepaid/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer } from '../support/payments.js'
import { authorizationOf, mine, officialBuyer, rpc, sendCancel, sendDrain, settlementOf, snapshot, until, withoutAutomine } from './pending-fixture.js'
import { startSeller, type Seller } from './seller.js'

const PRICE = 10_000n
const PACKAGE_PRICE = 50_000n
const CREDENTIAL_HEADER = 'x-prepaid-credential'

let chain: TestChain
let seller: Seller
/** Handler runs of /content, the paid route. */
let runs = 0

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.use('/prepaid', gate.prepaidRoutes())
      app.get('/content', gate.paywall({ amount: '0.01', network: 'base-sepolia' }), (req, res) => {
        runs++
        res.json({ content: 'PAID CONTENT', transaction: req.payment?.transaction ?? null })
      })
      app.get('/prepaid-content', gate.paywall({ amount: '0.01', network: 'base-sepolia', prepaid: true }), (_req, res) => res.json({ content: 'PREPAID CONTENT' }))
    },
    {
      // Receipts are given up on quickly; with automine off the transfer then waits in the pool.
      settlerOptions: { receiptTimeoutMs: 300 },
      prepaid: prepaid({
        secret: 'pending-test-secret-with-at-least-32-bytes!',
        packages: [{ id: 'five', calls: 5, days: 1, price: { amount: '0.05', network: 'base-sepolia' } }],
      }),
    },
  )
})

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

const present = (header: string, path = '/content', init: RequestInit = {}) =>
  fetch(`${seller.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), 'payment-signature': header } })

/**
 * Funds a new buyer, then (automine off, so the transfer waits in the pool) pays `path` with the
 * official buyer: 503 settlement_unknown naming the transaction sent. `during` runs while automine is
 * still off (by default it mines the transfer).
 */
async function payUnmined(during: (paid: Unmined) => Promise<void> = () => mine(chain), path = '/content', init: RequestInit = {}) {
  const buyer = await freshBuyer(chain)
  const before = await snapshot(chain, buyer.address)
  return withoutAutomine(chain, async () => {
    const paid = await payOnce(buyer, before, path, init)
    await during(paid)
    return paid
  })
}

type Unmined = Awaited<ReturnType<typeof payOnce>>

async function payOnce(buyer: PrivateKeyAccount, before: Awaited<ReturnType<typeof snapshot>>, path: string, init: RequestInit) {
  const { pay, sent } = officialBuyer(chain, buyer)
  const first = await pay(`${seller.url}${path}`, init)
  const text = await first.text()
  expect(first.status).toBe(503)
  expect(JSON.parse(text)).toMatchObject({ error: 'settlement_unknown' })
  expect(text).not.toContain('CONTENT')
  const settlement = settlementOf(first)
  expect(settlement).toMatchObject({ success: false, errorReason: 'settlement_unknown', payer: buyer.address })
  expect(settlement.transaction).toMatch(/^0x[0-9a-f]{64}$/)
  expect(sent).toHaveLength(1)
  return { buyer, before, header: sent[0]!, transaction: settlement.transaction as Hex }
}

async function expectCharged(before: Awaited<ReturnType<typeof snapshot>>, buyer: `0x${string}`, amount: bigint, transfers: number) {
  expect(await chain.balanceOf(buyer)).toBe(before.buyer - amount)
  expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(before.seller + amount)
  expect(await chain.transferCount()).toBe(before.transfers + transfers)
}

describe('the transfer landed after the buyer was answered', () => {
  it('the same payment presented again is served once, with the mined transaction, and charged once', async () => {
    const paid = await payUnmined()
    expect((await chain.publicClient.getTransactionReceipt({ hash: paid.transaction })).status).toBe('success')
    const runsBefore = runs

    const again = await present(paid.header)
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ content: 'PAID CONTENT', transaction: paid.transaction })
    expect(settlementOf(again)).toMatchObject({ success: true, transaction: paid.transaction, payer: paid.buyer.address, amount: PRICE.toString() })
    expect(runs).toBe(runsBefore + 1)

    // Served: from now on it is an ordinary replay.
    const third = await present(paid.header)
    expect(third.status).toBe(409)
    expect(await third.json()).toMatchObject({ error: 'payment_already_used' })
    expect(runs).toBe(runsBefore + 1)
    await expectCharged(paid.before, paid.buyer.address, PRICE, 1)
  })

  it('presented again before it is mined: 503 settlement_unknown again, no handler run; once mined, ten at once: one 200, nine 409, one run', async () => {
    const paid = await payUnmined(async (unmined) => {
      const runsBefore = runs
      const early = await present(unmined.header)
      expect(early.status).toBe(503)
      expect(await early.json()).toMatchObject({ error: 'settlement_unknown', detail: expect.stringContaining(unmined.transaction) })
      expect(runs).toBe(runsBefore)
      await mine(chain)
    })
    const runsBefore = runs
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const res = await present(paid.header)
        return { status: res.status, body: (await res.json()) as { content?: string; error?: string } }
      }),
    )
    expect(answers.filter((a) => a.status === 200).map((a) => a.body.content)).toEqual(['PAID CONTENT'])
    expect(answers.filter((a) => a.status === 409)).toHaveLength(9)
    for (const refused of answers.filter((a) => a.status === 409)) expect(refused.body.error).toBe('payment_already_used')
    expect(runs).toBe(runsBefore + 1)
    await expectCharged(paid.before, paid.buyer.address, PRICE, 1)
  })

  it('a prepaid purchase issues its credential when the same payment comes back with its Idempotency-Key (not to anyone else), and the credential works', async () => {
    const idempotency = { 'idempotency-key': `pending-${crypto.randomUUID()}` }
    const init = { method: 'POST', headers: idempotency }
    const paid = await payUnmined(() => mine(chain), '/prepaid/purchase?package=five', init)
    // A chain observer can rebuild the payment from the mined transaction, but not the buyer's Idempotency-Key.
    const observers: Record<string, string>[] = [{}, { 'idempotency-key': `observer-${crypto.randomUUID()}` }]
    for (const headers of observers) {
      const stolen = await present(paid.header, '/prepaid/purchase?package=five', { method: 'POST', headers })
      expect(stolen.status).toBe(409)
      const text = await stolen.text()
      expect(JSON.parse(text)).toMatchObject({ error: 'payment_already_used' })
      expect(text).not.toContain('credential"')
    }
    const again = await present(paid.header, '/prepaid/purchase?package=five', init)
    expect(again.status).toBe(201)
    const body = (await again.json()) as { credential: string; package: string; calls: number }
    expect(body).toMatchObject({ package: 'five', calls: 5 })
    expect(settlementOf(again)).toMatchObject({ success: true, transaction: paid.transaction })

    const call = await fetch(`${seller.url}/prepaid-content`, { headers: { [CREDENTIAL_HEADER]: body.credential } })
    expect(call.status).toBe(200)
    expect(await call.json()).toEqual({ content: 'PREPAID CONTENT' })
    await expectCharged(paid.before, paid.buyer.address, PACKAGE_PRICE, 1)
  })
})

describe('the transfer left the pool', () => {
  it('dropped by the node before it was mined: still unknown (503), never "failed"; the settler sends it again, and once mined the buyer is served', async () => {
    const paid = await payUnmined(async (unmined) => {
      await rpc(chain, 'anvil_dropTransaction', [unmined.transaction])
      // Its nonce is still free, so the transaction may yet be mined: nobody can say it failed.
      const early = await present(unmined.header)
      expect(early.status).toBe(503)
      expect(await early.json()).toMatchObject({ error: 'settlement_unknown' })
      // The settler watches what it sent and puts a dropped transaction back in the pool.
      await until(async () => (await rpc(chain, 'eth_getTransactionByHash', [unmined.transaction])) !== null)
      await mine(chain)
    })
    const runsBefore = runs
    const again = await present(paid.header)
    expect(again.status).toBe(200)
    expect(settlementOf(again)).toMatchObject({ success: true, transaction: paid.transaction })
    expect(runs).toBe(runsBefore + 1)
    await expectCharged(paid.before, paid.buyer.address, PRICE, 1)
  })
})

describe('the transfer provably never happened', () => {
  it('the payer canceled the authorization before it was mined: 402 with the reason, nothing charged, no handler run', async () => {
    const paid = await payUnmined(async (unmined) => {
      await sendCancel(chain, unmined.buyer, authorizationOf(unmined.header).nonce)
      await mine(chain)
    })
    // The cancel went first; our transfer was mined and reverted.
    expect((await chain.publicClient.getTransactionReceipt({ hash: paid.transaction })).status).toBe('reverted')
    const runsBefore = runs

    const again = await present(paid.header)
    expect(again.status).toBe(402)
    expect(await again.json()).toMatchObject({ error: 'invalid_exact_evm_nonce_already_used', detail: expect.stringMatching(/canceled.*nothing was charged/) })
    expect(runs).toBe(runsBefore)
    await expectCharged(paid.before, paid.buyer.address, 0n, 0)
  })

  it('our transfer reverted and the authorization is still good: presented again it is settled anew (here: refused for funds, then paid once funded)', async () => {
    const paid = await payUnmined(async (unmined) => {
      await sendDrain(chain, unmined.buyer, unmined.before.buyer, chain.accounts.deployer.address)
      await mine(chain)
    })
    expect((await chain.publicClient.getTransactionReceipt({ hash: paid.transaction })).status).toBe('reverted')
    expect(await chain.balanceOf(paid.buyer.address)).toBe(0n)
    const runsBefore = runs

    // Proven never charged: the payment is verified again, as if new, and the chain now says no funds.
    const broke = await present(paid.header)
    expect(broke.status).toBe(402)
    expect(await broke.json()).toMatchObject({ error: 'invalid_exact_evm_insufficient_balance' })
    expect(runs).toBe(runsBefore)

    await chain.mint(paid.buyer.address, PRICE)
    const funded = await present(paid.header)
    expect(funded.status).toBe(200)
    expect(await funded.json()).toMatchObject({ content: 'PAID CONTENT' })
    const settlement = settlementOf(funded)
    expect(settlement).toMatchObject({ success: true, payer: paid.buyer.address })
    expect(settlement.transaction).not.toBe(paid.transaction)
    expect(runs).toBe(runsBefore + 1)
    expect(await chain.balanceOf(paid.buyer.address)).toBe(0n)
    expect(await chain.balanceOf(chain.accounts.seller.address)).toBe(paid.before.seller + PRICE)
    // The drain and the new settlement; the reverted transfer moved nothing.
    expect(await chain.transferCount()).toBe(paid.before.transfers + 2)
  })
})
