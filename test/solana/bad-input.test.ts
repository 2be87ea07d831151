/**
 * Bent Solana payments presented over HTTP to a tollgate Express seller on the stand-in: each is a
 * 4xx with its official reason, never the content, never a transaction on the chain and never a
 * token moved. (The verifier's unit tests cover the same list without a chain; this is the proof
 * that nothing reaches the cluster.)
 */
import { getBase64Decoder, getBase64Encoder, type Address, type Instruction } from '@solana/kit'
import { getCreateAccountInstruction, getTransferSolInstruction } from '@solana-program/system'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { expressHarness } from '../conformance/harness-express.js'
import { PAID_CONTENT } from '../conformance/harness.js'
import { signerOf } from '../support/solana/keys.js'
import { solanaOption, solanaSellerConfig, startOverHttp, type HttpSeller } from '../support/solana/sellers.js'
import { startSolanaStandIn, type SolanaKeypair, type SolanaStandIn } from '../support/solana/stand-in.js'
import { payFor, type TransferOptions } from '../support/solana/transfer.js'

const PRICE = 10_000n
let sol: SolanaStandIn
let payTo: SolanaKeypair
let seller: HttpSeller
let buyer: SolanaKeypair
let stranger: SolanaKeypair
let chainBefore: { sent: number; buyer: bigint | null; seller: bigint | null }

beforeAll(async () => {
  sol = await startSolanaStandIn()
  payTo = await sol.newSeller()
  stranger = await sol.newSeller()
  buyer = await sol.fundBuyer()
  // The fee payer holds tokens too, so "the fee payer as transfer authority" would really move them if it passed.
  await sol.fund(sol.feePayer.address, 1_000_000n)
  seller = await startOverHttp(expressHarness, solanaSellerConfig(sol, payTo.address), [
    { path: '/data', paywall: { accepts: [solanaOption(sol)] }, behavior: { kind: 'json' } },
    { path: '/invoice', paywall: { accepts: [{ ...solanaOption(sol), memo: 'invoice-42' }] }, behavior: { kind: 'json' } },
  ])
})
afterAll(async () => {
  await seller?.close()
  await sol?.stop()
})
afterEach(async () => {
  // Never a transaction, never a token moved.
  expect({ sent: (await sol.history()).length, buyer: await sol.tokenBalance(buyer.address), seller: await sol.tokenBalance(payTo.address) }).toEqual(chainBefore)
})

async function snapshot() {
  chainBefore = { sent: (await sol.history()).length, buyer: await sol.tokenBalance(buyer.address), seller: await sol.tokenBalance(payTo.address) }
}

async function present(header: string, path = '/data') {
  const res = await fetch(seller.urlOf(path), { headers: { 'payment-signature': header } })
  const text = await res.text()
  expect(text).not.toContain(PAID_CONTENT)
  return { status: res.status, body: JSON.parse(text) as { error?: string } }
}

const SYSTEM = '11111111111111111111111111111111' as Address
const tokenInstruction = (ixs: Instruction[]) => ixs[2]!

/** Rewrites the signed wire transaction's bytes: signature `index` (0 = fee payer, 1 = buyer) replaced. */
function withSignature(base64: string, index: number, bytes: (old: Uint8Array) => Uint8Array): string {
  const wire = new Uint8Array(getBase64Encoder().encode(base64))
  const start = 1 + 64 * index
  wire.set(bytes(wire.slice(start, start + 64)), start)
  return getBase64Decoder().decode(wire)
}

function headerWith(header: string, transaction: string): string {
  const payment = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { payload: { transaction: string } }
  payment.payload.transaction = transaction
  return Buffer.from(JSON.stringify(payment)).toString('base64')
}

type Case = [name: string, reason: string, tx: () => Promise<Partial<TransferOptions>>]
const cases: Case[] = [
  ['another fee payer than the seller named', 'invalid_exact_svm_fee_payer_mismatch', async () => ({ feePayer: stranger.address })],
  ['the fee payer as transfer authority', 'invalid_exact_svm_payload_transaction_fee_payer_transferring_funds', async () => ({ buyer: sol.feePayer })],
  [
    "a System transfer from the fee payer's SOL",
    'invalid_exact_svm_payload_transaction_fee_payer_included_in_instruction_accounts',
    async () => {
      const feePayer = { address: sol.feePayer.address } as never
      return { instructions: (ixs) => [...ixs, getTransferSolInstruction({ source: feePayer, destination: stranger.address, amount: 1_000_000n })] }
    },
  ],
  [
    // The new account has to sign too: a third signer, refused before the instructions are read.
    'a CreateAccount after the memo',
    'invalid_exact_svm_payload_excessive_signers',
    async () => {
      const fresh = await signerOf(await sol.newKeypair())
      return { instructions: (ixs, payer) => [...ixs, getCreateAccountInstruction({ payer, newAccount: fresh, lamports: 1_000_000n, space: 0n, programAddress: SYSTEM })] }
    },
  ],
  ['a second TransferChecked', 'invalid_exact_svm_payload_unknown_fifth_instruction', async () => ({ instructions: (ixs) => [...ixs, tokenInstruction(ixs)] })],
  ['an unknown program after the transfer', 'invalid_exact_svm_payload_unknown_fourth_instruction', async () => ({ instructions: (ixs) => [...ixs.slice(0, 3), { programAddress: stranger.address, data: new Uint8Array([1]) }] })],
  ['no compute limit first', 'invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction', async () => ({ instructions: (ixs) => [ixs[1]!, ixs[0]!, ...ixs.slice(2)] })],
  ['a compute limit above the cap', 'invalid_exact_svm_payload_transaction_instructions_compute_limit_instruction_too_high', async () => ({ computeUnitLimit: 1_400_000 })],
  ['a priority fee above the cap', 'invalid_exact_svm_payload_transaction_instructions_compute_price_instruction_too_high', async () => ({ computeUnitPriceMicroLamports: 5_000_000n })],
  ['too few instructions', 'invalid_exact_svm_payload_transaction_instructions_length', async () => ({ instructions: (ixs) => ixs.slice(0, 2) })],
  ['another mint', 'invalid_exact_svm_payload_mint_mismatch', async () => ({ mint: (await sol.createMint()).mint })],
  ['wrong decimals', 'invalid_exact_svm_payload_decimals_mismatch', async () => ({ decimals: 9 })],
  ["to another wallet's token account", 'invalid_exact_svm_payload_recipient_mismatch', async () => ({ payTo: stranger.address })],
  ['one unit short', 'invalid_exact_svm_payload_amount_mismatch', async () => ({ amount: PRICE - 1n })],
  ['one unit over', 'invalid_exact_svm_payload_amount_mismatch', async () => ({ amount: PRICE + 1n })],
]

describe('bent transactions: 402 with the official reason, nothing on chain', () => {
  it.each(cases)('%s → %s', async (_name, reason, tx) => {
    await snapshot()
    const { header } = await payFor(sol, seller.urlOf('/data'), buyer, await tx())
    const res = await present(header)
    expect(res.status).toBe(402)
    expect(res.body.error).toBe(reason)
  })

  it('a forged buyer signature → invalid_exact_svm_payload_signature_invalid', async () => {
    await snapshot()
    const { header, transaction } = await payFor(sol, seller.urlOf('/data'), buyer)
    const forged = withSignature(transaction, 1, (old) => old.map((b, i) => (i === 7 ? b ^ 0xff : b)))
    const res = await present(headerWith(header, forged))
    expect(res.status).toBe(402)
    expect(res.body.error).toBe('invalid_exact_svm_payload_signature_invalid')
  })

  it('a missing buyer signature → invalid_exact_svm_payload_signature_invalid', async () => {
    await snapshot()
    const { header, transaction } = await payFor(sol, seller.urlOf('/data'), buyer)
    const res = await present(headerWith(header, withSignature(transaction, 1, () => new Uint8Array(64))))
    expect(res.status).toBe(402)
    expect(res.body.error).toBe('invalid_exact_svm_payload_signature_invalid')
  })

  it('not base64, and base64 of something that is no transaction → could_not_be_decoded', async () => {
    await snapshot()
    const { header } = await payFor(sol, seller.urlOf('/data'), buyer)
    for (const transaction of ['%%% not base64 %%%', Buffer.from('not a transaction at all').toString('base64')]) {
      const res = await present(headerWith(header, transaction))
      expect(res.status).toBe(402)
      expect(res.body.error).toBe('invalid_exact_svm_payload_transaction_could_not_be_decoded')
    }
  })
})

describe('a route bound to a memo', () => {
  it('a payment with another memo → invalid_exact_svm_payload_memo_mismatch', async () => {
    await snapshot()
    const { header } = await payFor(sol, seller.urlOf('/invoice'), buyer, { memo: 'invoice-41' })
    const res = await present(header, '/invoice')
    expect(res.status).toBe(402)
    expect(res.body.error).toBe('invalid_exact_svm_payload_memo_mismatch')
  })

  it('the 402 names the memo, and a payment carrying it is served (one transfer)', async () => {
    const { header, offer } = await payFor(sol, seller.urlOf('/invoice'), buyer)
    expect(offer.extra.memo).toBe('invoice-42')
    const res = await fetch(seller.urlOf('/invoice'), { headers: { 'payment-signature': header } })
    expect(res.status).toBe(200)
    expect(await res.text()).toContain(PAID_CONTENT)
    // This one did move tokens: the afterEach check starts from here.
    await snapshot()
  })
})
