/**
 * The receipts ledger end to end: a real Express seller on anvil, the official v2 buyer, and a real
 * Postgres (a private cluster started here). Every settled payment is one row with its fields; the
 * same event twice is still one row; a prepaid purchase's row names the credential it bought; a
 * settlement left unknown is recorded unknown, then settled when resumed; and while Postgres is
 * down buyers are still served, their receipts wait in the outbox and are all written once it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { combineHooks } from '../../src/hooks/combine-hooks.js'
import type { SettledEvent } from '../../src/hooks/hook-types.js'
import { prepaid } from '../../src/prepaid/index.js'
import { postgresReceipts, type PostgresReceipts } from '../../src/receipts/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer } from '../support/payments.js'
import { requirePostgresOrSkip, startPostgres, type TestPostgres } from '../support/postgres.js'
import { mine, officialBuyer, settlementOf, until, withoutAutomine } from './pending-fixture.js'
import { startSeller, type Seller } from './seller.js'

const skip = requirePostgresOrSkip('receipts-ledger')
const PRICE = '10000'
const PACKAGE_PRICE = '50000'

let chain: TestChain
let db: TestPostgres
let receipts: PostgresReceipts
let seller: Seller
const settledEvents: SettledEvent[] = []
const errors: string[] = []

beforeAll(async () => {
  if (skip) return
  ;[chain, db] = await Promise.all([startTestChain({ fundBuyers: 0n }), startPostgres()])
  receipts = postgresReceipts({
    connectionString: db.connectionString,
    retryDelayMs: 50,
    maxRetryDelayMs: 200,
    logger: { error: (message) => void errors.push(message) },
  })
  await receipts.migrate()
  const remember = { onSettled: (event: SettledEvent) => void settledEvents.push(event) }
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.use('/prepaid', gate.prepaidRoutes())
      app.get('/content', gate.paywall({ name: 'content', amount: '0.01', network: 'base-sepolia' }), (_req, res) => res.json({ content: 'PAID CONTENT' }))
      app.get('/prepaid-content', gate.paywall({ amount: '0.01', network: 'base-sepolia', prepaid: true }), (_req, res) => res.json({ content: 'PREPAID CONTENT' }))
    },
    {
      hooks: combineHooks(receipts.hooks, remember),
      // Receipts are given up on quickly; with automine off the transfer then waits in the pool: unknown.
      settlerOptions: { receiptTimeoutMs: 300 },
      prepaid: prepaid({
        secret: 'receipts-test-secret-with-at-least-32-bytes!',
        packages: [{ id: 'five', calls: 5, days: 1, price: { amount: '0.05', network: 'base-sepolia' } }],
      }),
    },
  )
}, 120_000)

afterAll(async () => {
  await seller?.close()
  await receipts?.close(2000)
  await db?.stop()
  await chain?.stop()
})

interface Row {
  payment_key: string
  state: string
  previous_state: string | null
  route: string
  payer: string
  pay_to: string
  amount: string
  asset: string
  network: string
  x402_version: number
  transaction_hash: string | null
  reason: string | null
  resumed: boolean
  prepaid_credential_id: string | null
  prepaid_package: string | null
  recorded_at: Date
  updated_at: Date
  settled_at: Date | null
}

const rowsFor = (transaction: string) =>
  db.query<Row>('SELECT *, amount::text AS amount FROM tollgate_receipts WHERE lower(transaction_hash) = lower($1)', [transaction])
const count = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM tollgate_receipts'))[0]!.n)

async function payContent(pay: typeof fetch) {
  const res = await pay(`${seller.url}/content`)
  expect(res.status).toBe(200)
  expect(await res.json()).toEqual({ content: 'PAID CONTENT' })
  return settlementOf(res).transaction
}

describe.skipIf(skip)('receipts ledger on Postgres', () => {
  it('a settled payment is one row with route, payer, payTo, amount, asset, network, transaction, version and time; the same event again is still one row', async () => {
    const buyer = await freshBuyer(chain)
    const { pay, sent } = officialBuyer(chain, buyer)
    const transaction = await payContent(pay)
    expect(await receipts.flush(20_000)).toBe(0)
    const [row, ...more] = await rowsFor(transaction)
    expect(more).toEqual([])
    expect(row).toMatchObject({
      state: 'settled',
      previous_state: null,
      route: 'content',
      amount: PRICE,
      network: 'eip155:84532',
      x402_version: 2,
      resumed: false,
      prepaid_credential_id: null,
    })
    expect(row!.payer.toLowerCase()).toBe(buyer.address.toLowerCase())
    expect(row!.pay_to.toLowerCase()).toBe(chain.accounts.seller.address.toLowerCase())
    expect(row!.asset.toLowerCase()).toBe(chain.token.toLowerCase())
    expect(row!.payment_key).toContain(buyer.address.toLowerCase())
    expect(row!.settled_at).toBeInstanceOf(Date)

    // The same event told twice (a retried hook, two sinks) and the same payment presented again: one row, unchanged.
    const event = settledEvents.find((e) => e.transaction === transaction)!
    receipts.hooks.onSettled!(event)
    const replay = await fetch(`${seller.url}/content`, { headers: { 'payment-signature': sent[0]! } })
    expect(replay.status).toBe(409)
    expect(await receipts.flush(20_000)).toBe(0)
    expect(await rowsFor(transaction)).toEqual([row])
  })

  it("a prepaid purchase's row names the credential it bought; calls on the credential add no rows", async () => {
    const buyer = await freshBuyer(chain)
    const { pay } = officialBuyer(chain, buyer)
    const bought = await pay(`${seller.url}/prepaid/purchase?package=five`, { method: 'POST', headers: { 'idempotency-key': crypto.randomUUID() } })
    expect(bought.status).toBe(201)
    const { credential, credentialId } = (await bought.json()) as { credential: string; credentialId: string }
    const transaction = settlementOf(bought).transaction
    expect(await receipts.flush(20_000)).toBe(0)
    const rowsBefore = await count()
    expect(await rowsFor(transaction)).toEqual([expect.objectContaining({ state: 'settled', amount: PACKAGE_PRICE, prepaid_credential_id: credentialId, prepaid_package: 'five' })])

    const call = await fetch(`${seller.url}/prepaid-content`, { headers: { 'x-prepaid-credential': credential } })
    expect(call.status).toBe(200)
    expect(await receipts.flush(20_000)).toBe(0)
    expect(await count()).toBe(rowsBefore)
  })

  it('a settlement left unknown is recorded unknown with its transaction, then updated to settled (resumed) in the same row', async () => {
    const buyer = await freshBuyer(chain)
    const { pay, sent } = officialBuyer(chain, buyer)
    const transaction = await withoutAutomine(chain, async () => {
      const first = await pay(`${seller.url}/content`)
      expect(first.status).toBe(503)
      expect(await first.json()).toMatchObject({ error: 'settlement_unknown' })
      const tx = settlementOf(first).transaction
      expect(await receipts.flush(20_000)).toBe(0)
      expect(await rowsFor(tx)).toEqual([expect.objectContaining({ state: 'unknown', reason: 'settlement_unknown', settled_at: null, amount: PRICE })])
      await mine(chain)
      return tx
    })
    const again = await fetch(`${seller.url}/content`, { headers: { 'payment-signature': sent[0]! } })
    expect(again.status).toBe(200)
    expect(settlementOf(again).transaction).toBe(transaction)
    expect(await receipts.flush(20_000)).toBe(0)
    const rows = await rowsFor(transaction)
    expect(rows).toEqual([expect.objectContaining({ state: 'settled', previous_state: 'unknown', reason: 'settlement_unknown', resumed: true })])
    expect(rows[0]!.settled_at).toBeInstanceOf(Date)
  })

  it('Postgres down: buyers are still served, receipts wait in the outbox; back up: every receipt is written exactly once', async () => {
    const buyer = await freshBuyer(chain)
    const { pay } = officialBuyer(chain, buyer)
    const rowsBefore = await count()
    await db.stopServer()
    const transactions: string[] = []
    try {
      for (let i = 0; i < 3; i++) transactions.push(await payContent(pay))
      await until(async () => receipts.pending() === 3)
      expect(await receipts.flush(200)).toBe(3)
    } finally {
      await db.start()
    }
    expect(await receipts.flush(30_000)).toBe(0)
    for (const transaction of transactions) {
      expect(await rowsFor(transaction)).toEqual([expect.objectContaining({ state: 'settled', route: 'content', amount: PRICE })])
    }
    expect(await count()).toBe(rowsBefore + 3)
    expect(receipts.dropped()).toBe(0)
    expect(errors.some((e) => e.includes('receipts store unavailable'))).toBe(true)
  })
})
