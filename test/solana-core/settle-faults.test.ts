/**
 * A node that refuses the settlement for its own trouble (JSON-RPC -32005, "node is behind") charged
 * nothing: the buyer gets 503 chain_unavailable, nothing moves, and the same payment presented again
 * settles once. Against the stand-in, through the core gate.
 */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { solanaSettler } from '../../src/chains/solana/index.js'
import { createTollgate, memoryStore } from '../../src/index.js'
import { startSolanaStandIn, type SolanaStandIn } from '../support/solana/stand-in.js'
import { paymentTransaction, v2PaymentHeader } from '../support/solana/transfer.js'

let sol: SolanaStandIn
beforeAll(async () => {
  sol = await startSolanaStandIn()
})
afterAll(async () => {
  await sol?.stop()
})

it('sendTransaction refused with -32005: 503 chain_unavailable, nothing moved; presented again, one transfer', async () => {
  const payTo = await sol.newSeller()
  const settler = solanaSettler({ secretKey: sol.feePayer.secretKey, rpcUrl: sol.url, confirmTimeoutMs: 3_000, checkOnStart: false })
  const gate = createTollgate({ payTo: payTo.address, settler, store: memoryStore() }).route({ amount: '0.01', network: sol.network, asset: { address: sol.mint, decimals: sol.decimals }, settle: 'before-handler' })
  const url = 'http://seller.example/data'
  const challenge = await gate.evaluate({ method: 'GET', url, headers: new Headers() })
  if (challenge.type !== 'challenge') throw new Error('expected a challenge')
  const offer = (JSON.parse(atob(challenge.headers['payment-required']!)) as { accepts: Record<string, unknown>[] }).accepts[0]!
  const buyer = await sol.fundBuyer()
  const transaction = await paymentTransaction(sol, { buyer, payTo: payTo.address, amount: 10_000n })
  const paid = { method: 'GET', url, headers: new Headers({ 'payment-signature': v2PaymentHeader(transaction, offer) }) }
  const sent = (await sol.history()).length

  await sol.failNext('sendTransaction', 'rpc-error')
  const first = await gate.evaluate(paid)
  if (first.type !== 'pass') throw new Error(`expected a pass, got ${first.type}`)
  const outcome = await first.settle()
  expect(outcome.ok).toBe(false)
  expect(!outcome.ok && outcome.status).toBe(503)
  expect(!outcome.ok && outcome.reason).toBe('chain_unavailable')
  expect((await sol.history()).length).toBe(sent)
  expect(await sol.tokenBalance(payTo.address)).toBe(0n)

  const again = await gate.evaluate(paid)
  if (again.type !== 'pass') throw new Error(`expected a pass again, got ${again.type}`)
  expect((await again.settle()).ok).toBe(true)
  expect(await sol.tokenBalance(payTo.address)).toBe(10_000n)
  expect((await sol.history()).length).toBe(sent + 1)
})
