/**
 * The risk hook end to end: a real Express seller on anvil, the official v2 buyer, a small risk
 * service over HTTP on loopback (deciding by payer), and a real Postgres receipts ledger fed the
 * risk decisions as evidence. deny and review charge nothing; a reviewed payment, presented again
 * once the engine allows it, is paid; an allowed payment's receipt row carries the decision, its
 * id, the risk session and the trace ids from X-PAYMENT-SECURE; an engine that is down or slow
 * fails closed (503 authorize_failed) and charges nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { combineHooks } from '../../src/hooks/combine-hooks.js'
import { postgresReceipts, type PostgresReceipts } from '../../src/receipts/index.js'
import { riskEngine, type RiskEngine } from '../../src/risk/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer } from '../support/payments.js'
import { requirePostgresOrSkip, startPostgres, type TestPostgres } from '../support/postgres.js'
import { officialBuyer, settlementOf, snapshot } from './pending-fixture.js'
import { startRiskService, type RiskService } from './risk-service.js'
import { startSeller, type Seller } from './seller.js'

const skip = requirePostgresOrSkip('risk-express')
const PRICE = 10_000n
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'
const SECURE = `w3c.v1;tp=00-${TRACE_ID}-00f067aa0ba902b7-01;ts=agent=planner`

let chain: TestChain
let db: TestPostgres
let service: RiskService
let risk: RiskEngine
let receipts: PostgresReceipts
let seller: Seller
const logged: string[] = []

beforeAll(async () => {
  if (skip) return
  ;[chain, db, service] = await Promise.all([startTestChain({ fundBuyers: 0n }), startPostgres(), startRiskService()])
  risk = riskEngine({ url: service.url, timeoutMs: 1_000, logger: { error: (m) => void logged.push(m) } })
  receipts = postgresReceipts({ connectionString: db.connectionString, evidence: risk.evidenceFor, retryDelayMs: 50, maxRetryDelayMs: 200 })
  await receipts.migrate()
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.get('/content', gate.paywall({ name: 'content', amount: '0.01', network: 'base-sepolia' }), (_req, res) => res.json({ content: 'PAID CONTENT' }))
    },
    { hooks: combineHooks(risk.hooks, receipts.hooks), logger: { error: (m: string) => void logged.push(m) } },
  )
}, 120_000)

afterAll(async () => {
  await seller?.close()
  await receipts?.close(2000)
  await service?.close()
  await db?.stop()
  await chain?.stop()
})

const content = () => `${seller.url}/content`

async function buyerWith(answer: 'allow' | 'deny' | 'review' | 'hang' | 'error') {
  const account = await freshBuyer(chain)
  service.answers.set(account.address.toLowerCase(), answer)
  return { account, ...officialBuyer(chain, account) }
}

describe.skipIf(skip)('risk engine on an Express seller', () => {
  it('deny: 403 risk_denied through the official buyer, nothing charged', async () => {
    const { account, pay, sent } = await buyerWith('deny')
    const before = await snapshot(chain, account.address)
    const res = await pay(content())
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ error: 'risk_denied' })
    expect(sent).toHaveLength(1)
    expect(await snapshot(chain, account.address)).toEqual(before)
    expect(service.inputs.at(-1)).toMatchObject({ route: 'content', payment: { amount: PRICE.toString(), network: 'eip155:84532' } })
    expect(String(service.inputs.at(-1)!.payment.payer).toLowerCase()).toBe(account.address.toLowerCase())
  })

  it('review: 402 payment_review with Retry-After, nothing charged; the same payment is paid once the engine allows it', async () => {
    const { account, pay, sent } = await buyerWith('review')
    const before = await snapshot(chain, account.address)
    const res = await pay(content(), { headers: { 'x-risk-session': 'review-session-1' } })
    expect(res.status).toBe(402)
    expect(res.headers.get('retry-after')).toBe('30')
    expect(res.headers.get('payment-required')).toBeTruthy()
    const body = await res.json()
    expect(body).toMatchObject({ error: 'payment_review' })
    expect(body.message).toMatch(/held for review/)
    expect(await snapshot(chain, account.address)).toEqual(before)

    // The reviewer approves: the very payment the buyer signed is presented again, and paid.
    service.answers.set(account.address.toLowerCase(), 'allow')
    const again = await fetch(content(), { headers: { 'payment-signature': sent[0]!, 'x-risk-session': 'review-session-1' } })
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ content: 'PAID CONTENT' })
    const { transaction } = settlementOf(again)
    const after = await snapshot(chain, account.address)
    expect(after.buyer).toBe(before.buyer - PRICE)
    expect(after.seller).toBe(before.seller + PRICE)
    expect(await receipts.flush(20_000)).toBe(0)
    const [row] = await db.query<{ evidence: Record<string, unknown> }>('SELECT evidence FROM tollgate_receipts WHERE lower(transaction_hash) = lower($1)', [transaction])
    expect(row!.evidence).toMatchObject({ decision: 'allow', session: 'review-session-1' })
  })

  it('allow: paid, and the receipt row carries the decision, its id, the session and the trace ids from X-PAYMENT-SECURE', async () => {
    const { account, pay } = await buyerWith('allow')
    const before = await snapshot(chain, account.address)
    const res = await pay(content(), { headers: { 'x-payment-secure': SECURE, 'x-risk-session': 'sess-allow' } })
    expect(res.status).toBe(200)
    const { transaction } = settlementOf(res)
    expect((await snapshot(chain, account.address)).buyer).toBe(before.buyer - PRICE)
    const input = service.inputs.at(-1)!
    expect(input).toMatchObject({ session: 'sess-allow', trace: { traceId: TRACE_ID, parentId: '00f067aa0ba902b7', traceFlags: '01', tracestate: 'agent=planner' } })
    expect(await receipts.flush(20_000)).toBe(0)
    const rows = await db.query<{ state: string; payment_key: string; evidence: Record<string, any> }>(
      'SELECT state, payment_key, evidence FROM tollgate_receipts WHERE lower(transaction_hash) = lower($1)',
      [transaction],
    )
    expect(rows).toHaveLength(1)
    expect(rows[0]!.payment_key).toBe(input.paymentKey)
    expect(rows[0]!.evidence).toEqual({
      decision: 'allow',
      decisionId: expect.stringMatching(/^dec-\d+$/),
      reasons: ['rule:allow'],
      session: 'sess-allow',
      traceId: TRACE_ID,
      parentId: '00f067aa0ba902b7',
      traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
      tracestate: 'agent=planner',
      decidedAt: expect.any(String),
    })
  })

  it('a malformed X-PAYMENT-SECURE is refused with 400 payment_secure_invalid before the engine is asked, nothing charged', async () => {
    const { account, pay } = await buyerWith('allow')
    const before = await snapshot(chain, account.address)
    const asked = service.inputs.length
    const res = await pay(content(), { headers: { 'x-payment-secure': `w3c.v1;tp=00-${'0'.repeat(32)}-00f067aa0ba902b7-01` } })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: 'payment_secure_invalid' })
    expect(service.inputs.length).toBe(asked)
    expect(await snapshot(chain, account.address)).toEqual(before)
  })

  it('an engine that errors or times out fails closed: 503 authorize_failed, nothing charged, the same payment paid once it is back', async () => {
    for (const answer of ['error', 'hang'] as const) {
      const { account, pay, sent } = await buyerWith(answer)
      const before = await snapshot(chain, account.address)
      const res = await pay(content())
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ error: 'authorize_failed' })
      expect(await snapshot(chain, account.address)).toEqual(before)
      service.answers.set(account.address.toLowerCase(), 'allow')
      const again = await fetch(content(), { headers: { 'payment-signature': sent[0]! } })
      expect(again.status).toBe(200)
      expect((await snapshot(chain, account.address)).buyer).toBe(before.buyer - PRICE)
    }
    expect(logged.some((m) => m.includes('authorize hook failed'))).toBe(true)
  }, 60_000)
})
