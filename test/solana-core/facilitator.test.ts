/**
 * tollgate/facilitator serving Solana `exact` on the stand-in cluster: `/supported` names the fee
 * payer, `/verify` runs tollgate's own checks and the simulation, `/settle` settles once, and the same
 * payment sent to `/settle` again, on this instance or another sharing its store, moves nothing more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { facilitatorHandler } from '../../src/facilitator-server/index.js'
import { solanaSettler } from '../../src/chains/solana/index.js'
import { memoryStore } from '../../src/index.js'
import { serveWeb } from '../facilitator/support/serve-web.js'
import type { TestServer } from '../support/http.js'
import { startSolanaStandIn, type SolanaKeypair, type SolanaStandIn } from '../support/solana/stand-in.js'
import { paymentTransaction } from '../support/solana/transfer.js'

const TOKEN = 'solana-facilitator-test-token'
const PRICE = 10_000n
let sol: SolanaStandIn
let payTo: SolanaKeypair
const servers: TestServer[] = []
const store = memoryStore()

async function facilitator(): Promise<TestServer> {
  const settler = solanaSettler({ secretKey: sol.feePayer.secretKey, rpcUrl: sol.url, confirmTimeoutMs: 5_000, rpcTimeoutMs: 2_000, checkOnStart: false })
  const server = await serveWeb(facilitatorHandler({ solana: { settler, networks: ['solana-devnet'] }, tokens: [TOKEN], store, singleInstance: true }))
  servers.push(server)
  return server
}

beforeAll(async () => {
  sol = await startSolanaStandIn()
  payTo = await sol.newSeller()
})
afterAll(async () => {
  for (const server of servers) await server.close()
  await sol?.stop()
})

const requirement = () => ({ scheme: 'exact', network: sol.network as string, amount: PRICE.toString(), asset: sol.mint, payTo: payTo.address, maxTimeoutSeconds: 300, extra: { feePayer: sol.feePayer.address } })

async function ask(server: TestServer, path: 'verify' | 'settle', transaction: string, req = requirement()) {
  const body = { x402Version: 2, paymentPayload: { x402Version: 2, resource: { url: 'http://seller.example/data' }, accepted: req, payload: { transaction } }, paymentRequirements: req }
  const res = await fetch(`${server.url}/${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('tollgate/facilitator for Solana', () => {
  it('lists the Solana kinds with its fee payer', async () => {
    const server = await facilitator()
    const res = await fetch(`${server.url}/supported`, { headers: { authorization: `Bearer ${TOKEN}` } })
    const supported = (await res.json()) as { kinds: { network: string; x402Version: number; extra?: { feePayer?: string } }[]; signers: Record<string, string[]> }
    expect(supported.kinds).toContainEqual({ x402Version: 2, scheme: 'exact', network: sol.network, extra: { feePayer: sol.feePayer.address } })
    expect(supported.kinds).toContainEqual({ x402Version: 1, scheme: 'exact', network: 'solana-devnet', extra: { feePayer: sol.feePayer.address } })
    expect(supported.signers['solana:*']).toEqual([sol.feePayer.address])
  })

  it('verifies, settles once, and refuses the same payment again on this instance and on another one sharing the store', async () => {
    const [first, second] = [await facilitator(), await facilitator()]
    const buyer = await sol.fundBuyer()
    const transaction = await paymentTransaction(sol, { buyer, payTo: payTo.address, amount: PRICE })
    const before = { seller: (await sol.tokenBalance(payTo.address))!, sent: (await sol.history()).length }

    expect(await ask(first, 'verify', transaction)).toMatchObject({ status: 200, body: { isValid: true, payer: buyer.address } })
    const settled = await ask(first, 'settle', transaction)
    expect(settled).toMatchObject({ status: 200, body: { success: true, network: sol.network, payer: buyer.address } })
    expect(String(settled.body.transaction)).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/)
    expect(await sol.tokenBalance(payTo.address)).toBe(before.seller + PRICE)

    for (const server of [first, second]) {
      const again = await ask(server, 'settle', transaction)
      expect(again.body).toMatchObject({ success: false, errorReason: 'payment_already_used' })
    }
    expect(await sol.tokenBalance(payTo.address)).toBe(before.seller + PRICE)
    expect((await sol.history()).length).toBe(before.sent + 1)
  })

  it('refuses one unit short, another fee payer and an unknown cluster, moving nothing', async () => {
    const server = await facilitator()
    const buyer = await sol.fundBuyer()
    const before = (await sol.history()).length
    const short = await paymentTransaction(sol, { buyer, payTo: payTo.address, amount: PRICE - 1n })
    expect((await ask(server, 'verify', short)).body).toMatchObject({ isValid: false, invalidReason: 'invalid_exact_svm_payload_amount_mismatch' })
    expect((await ask(server, 'settle', short)).body).toMatchObject({ success: false, errorReason: 'invalid_exact_svm_payload_amount_mismatch' })
    const sound = await paymentTransaction(sol, { buyer, payTo: payTo.address, amount: PRICE })
    const otherPayer = { ...requirement(), extra: { feePayer: buyer.address } }
    expect((await ask(server, 'verify', sound, otherPayer)).body).toMatchObject({ isValid: false, invalidReason: 'invalid_exact_svm_fee_payer_mismatch' })
    const mainnet = { ...requirement(), network: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp' }
    expect((await ask(server, 'verify', sound, mainnet)).body).toMatchObject({ isValid: false })
    expect((await sol.history()).length).toBe(before)
  })
})

describe('a seller settling Solana through a facilitator (solanaFacilitator)', () => {
  it('names the facilitator fee payer in its 402, verifies and settles through it, and refuses the payment again', async () => {
    const { createTollgate, httpFacilitator } = await import('../../src/index.js')
    const { solanaFacilitator } = await import('../../src/chains/solana/index.js')
    const server = await facilitator()
    const remote = solanaFacilitator(httpFacilitator({ url: server.url, headers: { authorization: `Bearer ${TOKEN}` } }))
    const core = createTollgate({ payTo: payTo.address, settler: remote, store: memoryStore() })
    const gate = core.route({ amount: { atomic: PRICE.toString() }, network: sol.network, asset: { address: sol.mint, decimals: sol.decimals } })
    expect(await remote.ready()).toEqual({ ok: true, problems: [] })
    const url = 'http://seller.example/data'
    const plain = { method: 'GET', url, headers: new Headers() }
    const challenge = await gate.evaluate(plain)
    if (challenge.type !== 'challenge') throw new Error('expected a challenge')
    const offer = (JSON.parse(atob(challenge.headers['payment-required']!)) as { accepts: ReturnType<typeof requirement>[] }).accepts[0]!
    expect(offer.extra.feePayer).toBe(sol.feePayer.address)

    const buyer = await sol.fundBuyer()
    const before = { seller: (await sol.tokenBalance(payTo.address))!, sent: (await sol.history()).length }
    const transaction = await paymentTransaction(sol, { buyer, payTo: payTo.address, amount: PRICE })
    const { encodeJsonHeader } = await import('../../src/index.js')
    const header = encodeJsonHeader({ x402Version: 2, resource: { url }, accepted: offer, payload: { transaction } })
    const paid = { method: 'GET', url, headers: new Headers({ 'payment-signature': header }) }
    const decision = await gate.evaluate(paid)
    if (decision.type !== 'pass') throw new Error(`expected a pass, got ${decision.type}: ${JSON.stringify((decision as { body?: unknown }).body)}`)
    expect(decision.payment.payer).toBe(buyer.address)
    const outcome = await decision.settle()
    expect(outcome.ok).toBe(true)
    expect(await sol.tokenBalance(payTo.address)).toBe(before.seller + PRICE)
    expect((await sol.history()).length).toBe(before.sent + 1)

    const again = await gate.evaluate(paid)
    expect(again.type === 'reject' && again.status).toBe(409)
    expect(await sol.tokenBalance(payTo.address)).toBe(before.seller + PRICE)
  })
})
