/**
 * tollgateMetrics through a real Express seller on anvil, paid by the official v2 buyer: a known
 * sequence (challenges, payments, a replay, a failed and an unknown settlement later resumed, a
 * prepaid credential sold, spent to exhaustion and revoked), then GET /metrics parsed and checked
 * sample by sample, exact label sets, and no payer address or URL anywhere in the text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { serveAnswer } from '../../adapters/express.js'
import { localSettler, type PaywallOptions, type TollgateConfig } from '../../src/index.js'
import { tollgateMetrics, type TollgateMetrics } from '../../src/metrics/index.js'
import { prepaid } from '../../src/prepaid/index.js'
import { startTestChain, type TestChain } from '../support/chain.js'
import { freshBuyer } from '../support/payments.js'
import { key, parsePrometheus, series, type Sample } from './metrics-text.js'
import { authorizationOf, mine, officialBuyer, sendCancel, snapshot, until, withoutAutomine } from './pending-fixture.js'
import { startSeller, type Seller } from './seller.js'

const PRICE = 10_000n
const paywall = { amount: '0.01', network: 'base-sepolia' } as const
const route = (name: string) => ({ ...paywall, name, prepaid: true }) as PaywallOptions

let chain: TestChain
let seller: Seller
let metrics: TollgateMetrics
/** Everyone who paid: none of them may appear in the scrape. */
const payers: string[] = []
/** The buyer of the /cancelled route, whose handler cancels its authorization before settlement. */
/** Released by the test: what the /held handler answers. */
let releaseHeld: (answer: { fail: boolean }) => void = () => {}
let entered: () => void = () => {}
const heldUntil = () => {
  entered()
  return new Promise<{ fail: boolean }>((resolve) => (releaseHeld = resolve))
}
const cancelling = new Map<string, Parameters<typeof sendCancel>[1]>()

beforeAll(async () => {
  chain = await startTestChain({ fundBuyers: 0n })
  const settler = localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50, receiptTimeoutMs: 300, gasCheckIntervalMs: 0 })
  metrics = tollgateMetrics({ settler, core: () => seller.gate.core })
  seller = await startSeller(
    chain,
    (app, gate) => {
      app.get('/metrics', serveAnswer(metrics.scrape))
      app.use('/prepaid', gate.prepaidRoutes())
      app.get('/content', gate.paywall(route('content')), (_req, res) => res.json({ content: 'PAID CONTENT' }))
      // Answers only once the test lets it, so a payment stays in progress meanwhile; `fail` answers 500 (abandoned).
      app.get('/held', gate.paywall(route('held')), async (_req, res) => {
        const { fail } = await heldUntil()
        if (fail) res.status(500).json({ error: 'handler failed' })
        else res.json({ content: 'PAID CONTENT' })
      })
      app.get('/cancelled', gate.paywall(route('cancelled')), async (req, res) => {
        // The buyer cancels its authorization on chain while the handler runs: the settlement after it must fail.
        const header = req.get('payment-signature')!
        await sendCancel(chain, cancelling.get(req.payment!.payer.toLowerCase())!, authorizationOf(header).nonce)
        res.json({ content: 'PAID CONTENT' })
      })
    },
    {
      settler,
      hooks: metrics.hooks,
      prepaid: prepaid({ secret: 'metrics-e2e-secret-with-at-least-32-bytes', packages: [{ id: 'two', calls: 2, days: 1, price: paywall }] }),
    } as Partial<TollgateConfig>,
  )
}, 120_000)

afterAll(async () => {
  await seller?.close()
  await chain?.stop()
})

async function buyer() {
  const account = await freshBuyer(chain)
  payers.push(account.address)
  return account
}

async function scrape(): Promise<{ text: string; samples: Sample[] }> {
  const res = await fetch(`${seller.url}/metrics`)
  expect(res.status).toBe(200)
  const text = await res.text()
  return { text, samples: parsePrometheus(text) }
}

const total = async (name: string) => Object.values(series((await scrape()).samples, name)).reduce((a, b) => a + b, 0)

describe('a known sequence of payments, then one scrape', () => {
  it('counts each challenge, payment, refusal, settlement outcome and prepaid step exactly, labelled by route, network, scheme, version, reason', async () => {
    // 3 bare requests: 3 challenges.
    for (let i = 0; i < 3; i++) expect((await fetch(`${seller.url}/content`)).status).toBe(402)

    // 2 payments by the official buyer (each: its own challenge first, then the paid request).
    const first = officialBuyer(chain, await buyer())
    expect((await first.pay(`${seller.url}/content`)).status).toBe(200)
    expect((await (officialBuyer(chain, await buyer())).pay(`${seller.url}/content`)).status).toBe(200)

    // The first payment replayed: refused, nothing charged.
    const replay = await fetch(`${seller.url}/content`, { headers: { 'payment-signature': first.sent[0]! } })
    expect(replay.status).toBe(409)
    expect(await replay.json()).toMatchObject({ error: 'payment_already_used' })

    // A payment whose authorization the buyer cancels before settlement: verified, then its settlement fails.
    const canceller = await buyer()
    cancelling.set(canceller.address.toLowerCase(), canceller)
    const before = await snapshot(chain, canceller.address)
    const cancelled = await officialBuyer(chain, canceller).pay(`${seller.url}/cancelled`)
    expect(cancelled.status).toBeGreaterThanOrEqual(400)
    expect(await snapshot(chain, canceller.address)).toMatchObject({ buyer: before.buyer })

    // A settlement left unknown (nothing mined in time), then found on chain when the payment comes back.
    const unknown = officialBuyer(chain, await buyer())
    await withoutAutomine(chain, async () => {
      expect((await unknown.pay(`${seller.url}/content`)).status).toBe(503)
      await mine(chain)
    })
    expect((await fetch(`${seller.url}/content`, { headers: { 'payment-signature': unknown.sent[0]! } })).status).toBe(200)

    // A prepaid credential: bought, spent to exhaustion on /content, then revoked.
    const bought = await officialBuyer(chain, await buyer()).pay(`${seller.url}/prepaid/purchase?package=two`, {
      method: 'POST',
      headers: { 'idempotency-key': crypto.randomUUID() },
    })
    expect(bought.status).toBe(201)
    const { credential, credentialId } = (await bought.json()) as { credential: string; credentialId: string }
    for (let i = 0; i < 2; i++) expect((await fetch(`${seller.url}/content`, { headers: { 'x-prepaid-credential': credential } })).status).toBe(200)
    await seller.gate.prepaid!.revoke(credentialId)

    // The hooks run just after each answer: poll until the last event is counted, then read one scrape.
    await until(async () => (await total('tollgate_prepaid_revoked_total')) === 1)
    const { text, samples } = await scrape()
    const v2 = { network: 'base-sepolia', scheme: 'exact', version: '2' }
    const purchase = 'POST /prepaid/purchase'
    // 3 bare requests, the 2 paid ones' own challenges, the unknown one's; the purchase's challenge on its own route.
    expect(series(samples, 'tollgate_challenges_total')).toEqual({ 'route=content': 6, 'route=cancelled': 1, [`route=${purchase}`]: 1 })
    // The resumed presentation is not verified again: its payment was verified the first time.
    expect(series(samples, 'tollgate_payments_verified_total')).toEqual({
      [key({ ...v2, route: 'content' })]: 3,
      [key({ ...v2, route: 'cancelled' })]: 1,
      [key({ ...v2, route: purchase })]: 1,
    })
    expect(series(samples, 'tollgate_payments_rejected_total')).toEqual({ [key({ route: 'content', reason: 'payment_already_used' })]: 1 })
    expect(series(samples, 'tollgate_payments_settled_total')).toEqual({
      [key({ ...v2, route: 'content', resumed: 'false' })]: 2,
      [key({ ...v2, route: 'content', resumed: 'true' })]: 1,
      [key({ ...v2, route: purchase, resumed: 'false' })]: 1,
    })
    expect(series(samples, 'tollgate_settlements_failed_total')).toEqual({ [key({ ...v2, route: 'cancelled', reason: 'invalid_exact_evm_nonce_already_used' })]: 1 })
    expect(series(samples, 'tollgate_settlements_unknown_total')).toEqual({ [key({ ...v2, route: 'content', reason: 'settlement_unknown' })]: 1 })
    // One observation per settlement outcome (the durations themselves are wall-clock: not asserted).
    const outcome = (route: string, outcome: string) => key({ network: 'base-sepolia', route, outcome })
    expect(series(samples, 'tollgate_settlement_duration_seconds_count')).toEqual({
      [outcome('content', 'settled')]: 3,
      [outcome('cancelled', 'failed')]: 1,
      [outcome('content', 'unknown')]: 1,
      [outcome(purchase, 'settled')]: 1,
    })
    // One verification-duration observation per verified payment, labelled like the counter (minus scheme and version).
    expect(series(samples, 'tollgate_verification_duration_seconds_count')).toEqual({
      [key({ network: 'base-sepolia', route: 'content' })]: 3,
      [key({ network: 'base-sepolia', route: 'cancelled' })]: 1,
      [key({ network: 'base-sepolia', route: purchase })]: 1,
    })
    expect(series(samples, 'tollgate_prepaid_issued_total')).toEqual({ 'package=two,route=/prepaid': 1 })
    expect(series(samples, 'tollgate_prepaid_spends_total')).toEqual({ 'package=two,route=content': 2 })
    expect(series(samples, 'tollgate_prepaid_calls_spent_total')).toEqual({ 'package=two,route=content': 2 })
    expect(series(samples, 'tollgate_prepaid_exhausted_total')).toEqual({ 'package=two,route=content': 1 })
    expect(series(samples, 'tollgate_prepaid_revoked_total')).toEqual({ 'route=/prepaid': 1 })

    // Bounded labels only: no payer, no payee, no settler address, no URL.
    const lower = text.toLowerCase()
    for (const address of [...payers, chain.accounts.seller.address, chain.accounts.settler.address]) expect(lower).not.toContain(address.toLowerCase().slice(2))
    expect(text).not.toContain('http')
    expect(text).not.toContain(credentialId)
  })

  it("reports the settler's gas balance as the chain has it, and its state", async () => {
    const balance = await chain.publicClient.getBalance({ address: chain.accounts.settler.address })
    const { samples } = await scrape()
    expect(series(samples, 'tollgate_settler_gas_balance_wei')).toEqual({ 'network=base-sepolia': Number(balance) })
    expect(series(samples, 'tollgate_settler_gas_state')).toEqual({
      'network=base-sepolia,state=ok': 1,
      'network=base-sepolia,state=low': 0,
      'network=base-sepolia,state=dry': 0,
      'network=base-sepolia,state=unknown': 0,
    })
  })
})

describe('payments in progress', () => {
  const inProgress = async () => series((await scrape()).samples, 'tollgate_payments_in_progress')['']

  it('counts a payment while its handler runs, and none once it settled or was abandoned (a failed handler charges nothing)', async () => {
    expect(await inProgress()).toBe(0)
    for (const fail of [false, true]) {
      const account = await buyer()
      const before = await snapshot(chain, account.address)
      const inside = new Promise<void>((resolve) => (entered = resolve))
      const paying = officialBuyer(chain, account).pay(`${seller.url}/held`)
      await inside
      expect(await inProgress()).toBe(1)
      releaseHeld({ fail })
      const res = await paying
      expect(res.status).toBe(fail ? 500 : 200)
      await until(async () => (await inProgress()) === 0)
      const after = await snapshot(chain, account.address)
      expect(after.buyer).toBe(fail ? before.buyer : before.buyer - PRICE)
    }
  })
})
