/**
 * tollgate's own checks of a Solana payment transaction, without a chain: each bent transaction is
 * refused with the official reason string (or tollgate's, where the official verifier has none),
 * and the official client's layout passes. Transactions are built and signed with @solana/kit.
 */
import {
  appendTransactionMessageInstructions,
  compileTransaction,
  compressTransactionMessageUsingAddressLookupTables,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase64EncodedWireTransaction,
  partiallySignTransaction,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Address,
} from '@solana/kit'
import { beforeAll, describe, expect, it } from 'vitest'
import { Reason } from '../../src/errors/reasons.js'
import { solanaNetworkOf, SPL_TOKEN_PROGRAM, TOKEN_2022_PROGRAM } from '../../src/chains/solana/solana-networks.js'
import type { SolanaTerms } from '../../src/chains/solana/solana-terms.js'
import { checkPaymentTransaction } from '../../src/chains/solana/transaction-checks.js'
import { decodePaymentTransaction } from '../../src/chains/solana/wire-transaction.js'
import { associatedTokenAddress } from '../../src/chains/solana/token-account.js'
import {
  BLOCKHASH,
  computeLimit,
  computePrice,
  createAccount,
  lighthouse,
  memo,
  officialInstructions,
  officialPayment,
  parties,
  systemTransfer,
  transferChecked,
  wireOf,
  type Parties,
} from '../solana-core/build-payment.js'

const CAPS = { maxComputeUnits: 100_000, maxPriorityFeeMicroLamports: 100_000n }
let p: Parties

beforeAll(async () => {
  p = await parties()
})

function termsOf(p: Parties, more: Partial<SolanaTerms> = {}): SolanaTerms {
  return { network: solanaNetworkOf('solana-devnet')!, mint: p.mint, decimals: p.decimals, tokenProgram: SPL_TOKEN_PROGRAM as Address, amount: p.amount, payTo: p.payTo.address, ...more }
}

/** The refusal reason of a wire transaction for the parties' terms, or 'ok:<payer>'. */
async function verdict(wire: string, more: Partial<SolanaTerms> = {}): Promise<string> {
  const decoded = decodePaymentTransaction({ transaction: wire })
  if (!decoded.ok) return decoded.reason
  const checked = await checkPaymentTransaction(decoded.transaction, termsOf(p, more), p.feePayer.address, (program) => associatedTokenAddress(p.payTo.address, p.mint, program), CAPS)
  return checked.ok ? `ok:${checked.payer}` : checked.reason
}

const transfer = (over: Partial<Parameters<typeof transferChecked>[0]> = {}) =>
  transferChecked({ source: p.source, mint: p.mint, destination: p.destination, authority: p.buyer.address, amount: p.amount, decimals: p.decimals, ...over })

describe('the official layout', () => {
  it('passes, naming the transfer authority (the buyer) as payer', async () => {
    expect(await verdict(await officialPayment(p))).toBe(`ok:${p.buyer.address}`)
  })

  it('passes with Lighthouse instructions after the transfer, up to 7 instructions', async () => {
    const ixs = [...officialInstructions(p), lighthouse(), lighthouse(), lighthouse()]
    expect(await verdict(await wireOf(p.feePayer.address, ixs, [p.buyer]))).toBe(`ok:${p.buyer.address}`)
  })

  it('gives the message hash as identity and both signature slots', async () => {
    const decoded = decodePaymentTransaction({ transaction: await officialPayment(p) })
    if (!decoded.ok) throw new Error(decoded.detail)
    expect(decoded.transaction.messageHash).toMatch(/^[0-9a-f]{64}$/)
    expect(decoded.transaction.signatures[0]).toBeNull()
    expect(decoded.transaction.signatures[1]).toHaveLength(64)
  })
})

describe('what cannot be decoded', () => {
  it.each([
    ['not base64', { transaction: '%%% not base64 %%%' }],
    ['base64 of no transaction', { transaction: btoa('hello, this is not a transaction at all') }],
    ['empty', { transaction: '' }],
    ['no transaction field', { tx: 'AAAA' }],
    ['not an object', 'AAAA'],
    ['too long', { transaction: 'A'.repeat(2000) }],
  ])('%s: %s', (_label, payload) => {
    const decoded = decodePaymentTransaction(payload)
    expect(decoded.ok).toBe(false)
    if (!decoded.ok) expect(decoded.reason).toBe(Reason.svmUndecodable)
  })

  it('trailing bytes after a valid transaction', async () => {
    const wire = await officialPayment(p)
    const bytes = Uint8Array.from(atob(wire), (c) => c.charCodeAt(0))
    const longer = btoa(String.fromCharCode(...bytes, 0))
    expect(await verdict(longer)).toBe(Reason.svmUndecodable)
  })

  it('a legacy (non-v0) message', async () => {
    const message = pipe(
      createTransactionMessage({ version: 'legacy' }),
      (m) => setTransactionMessageFeePayer(p.feePayer.address, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: BLOCKHASH, lastValidBlockHeight: 1000n }, m),
      (m) => appendTransactionMessageInstructions(officialInstructions(p), m),
    )
    const signed = await partiallySignTransaction([p.buyer.keyPair], compileTransaction(message))
    expect(await verdict(getBase64EncodedWireTransaction(signed))).toBe(Reason.svmLegacyTransaction)
  })

  it('address lookup tables', async () => {
    const table = (await generateKeyPairSigner()).address
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayer(p.feePayer.address, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: BLOCKHASH, lastValidBlockHeight: 1000n }, m),
      (m) => appendTransactionMessageInstructions(officialInstructions(p), m),
      (m) => compressTransactionMessageUsingAddressLookupTables(m, { [table]: [p.mint, p.destination] }),
    )
    const signed = await partiallySignTransaction([p.buyer.keyPair], compileTransaction(message))
    expect(await verdict(getBase64EncodedWireTransaction(signed))).toBe(Reason.svmLookupTables)
  })
})

describe('fee payer and signatures', () => {
  it('another fee payer', async () => {
    const other = await generateKeyPairSigner()
    expect(await verdict(await wireOf(other.address, officialInstructions(p), [p.buyer]))).toBe(Reason.svmFeePayerMismatch)
  })

  it('the fee payer as transfer authority', async () => {
    const ixs = [computeLimit(20_000), computePrice(1n), transfer({ authority: p.feePayer.address }), memo('x')]
    expect(await verdict(await wireOf(p.feePayer.address, ixs, []))).toBe(Reason.svmFeePayerTransferring)
  })

  it('the fee payer as transfer source', async () => {
    const ixs = [computeLimit(20_000), computePrice(1n), transfer({ source: p.feePayer.address }), memo('x')]
    expect(await verdict(await wireOf(p.feePayer.address, ixs, [p.buyer]))).toBe(Reason.svmFeePayerInInstruction)
  })

  it("the fee payer as a System transfer's source after the payment", async () => {
    const ixs = [...officialInstructions(p), systemTransfer(p.feePayer.address, p.buyer.address, 1_000_000n)]
    expect(await verdict(await wireOf(p.feePayer.address, ixs, [p.buyer]))).toBe(Reason.svmFeePayerInInstruction)
  })

  it('the fee payer among the accounts of a memo (the official 2.27 verifier lets this through)', async () => {
    const withAccount = { ...memo('x'), accounts: [{ address: p.feePayer.address, role: 0 as const }] }
    const ixs = [...officialInstructions(p).slice(0, 3), withAccount]
    expect(await verdict(await wireOf(p.feePayer.address, ixs, [p.buyer]))).toBe(Reason.svmFeePayerInInstruction)
  })

  it('a missing buyer signature', async () => {
    expect(await verdict(await wireOf(p.feePayer.address, officialInstructions(p), []))).toBe(Reason.svmSignature)
  })

  it('a forged buyer signature (one bit flipped)', async () => {
    const bytes = Uint8Array.from(atob(await officialPayment(p)), (c) => c.charCodeAt(0))
    bytes[1 + 64 + 10]! ^= 1 // second signature slot
    expect(await verdict(btoa(String.fromCharCode(...bytes)))).toBe(Reason.svmSignature)
  })

  it('a signature by another key in the buyer slot', async () => {
    const other = await generateKeyPairSigner()
    const good = Uint8Array.from(atob(await officialPayment(p)), (c) => c.charCodeAt(0))
    const forged = Uint8Array.from(atob(await wireOf(p.feePayer.address, officialInstructions({ ...p, buyer: other, source: p.source }), [other])), (c) => c.charCodeAt(0))
    good.set(forged.subarray(65, 129), 65)
    expect(await verdict(btoa(String.fromCharCode(...good)))).toBe(Reason.svmSignature)
  })

  it('a third required signer (its fee would be the seller’s)', async () => {
    const extra = await generateKeyPairSigner()
    const ixs = [...officialInstructions(p).slice(0, 3), { ...memo('x'), accounts: [{ address: extra.address, role: 2 as const }] }]
    expect(await verdict(await wireOf(p.feePayer.address, ixs, [p.buyer, extra]))).toBe(Reason.svmExcessiveSigners)
  })
})

describe('layout', () => {
  const build = (ixs: Parameters<typeof wireOf>[1]) => wireOf(p.feePayer.address, ixs, [p.buyer])

  it.each([
    ['two instructions', () => [computeLimit(20_000), transfer()], Reason.svmInstructionsLength],
    ['eight instructions', () => [...officialInstructions(p), lighthouse(), lighthouse(), lighthouse(), lighthouse()], Reason.svmInstructionsLength],
    ['the transfer first', () => [transfer(), computeLimit(20_000), computePrice(1n)], Reason.svmComputeLimit],
    ['no compute price', () => [computeLimit(20_000), transfer(), memo('x')], Reason.svmComputePrice],
    ['compute limit over our cap', () => [computeLimit(CAPS.maxComputeUnits + 1), computePrice(1n), transfer(), memo('x')], Reason.svmComputeLimitTooHigh],
    ['compute price over our cap', () => [computeLimit(20_000), computePrice(CAPS.maxPriorityFeeMicroLamports + 1n), transfer(), memo('x')], Reason.svmComputePriceTooHigh],
    ['a System transfer in place of the payment', () => [computeLimit(20_000), computePrice(1n), systemTransfer(p.buyer.address, p.payTo.address, 10_000n)], Reason.svmNoTransfer],
    ['the transfer under Token-2022 for an SPL mint', () => [computeLimit(20_000), computePrice(1n), transfer({ program: TOKEN_2022_PROGRAM as Address }), memo('x')], Reason.svmNoTransfer],
  ])('%s', async (_label, ixs, reason) => {
    expect(await verdict(await build(ixs()))).toBe(reason)
  })

  it('a CreateAccount after the payment', async () => {
    const created = await generateKeyPairSigner()
    const ixs = [...officialInstructions(p), createAccount(p.buyer.address, created.address)]
    // Three signers would be refused first; the account's own key is the buyer's here.
    const own = [...officialInstructions(p), createAccount(p.buyer.address, p.buyer.address)]
    expect(await verdict(await wireOf(p.feePayer.address, ixs, [p.buyer, created]))).toBe(Reason.svmExcessiveSigners)
    expect(await verdict(await build(own))).toBe(Reason.svmUnknownFifth)
  })

  it('a System transfer from the buyer right after the payment', async () => {
    const ixs = [...officialInstructions(p).slice(0, 3), systemTransfer(p.buyer.address, p.payTo.address, 1n)]
    expect(await verdict(await build(ixs))).toBe(Reason.svmUnknownFourth)
  })

  it('a second TransferChecked after the memo', async () => {
    expect(await verdict(await build([...officialInstructions(p), transfer()]))).toBe(Reason.svmUnknownFifth)
  })

  it('an unknown program at the sixth and seventh places', async () => {
    const unknown = { programAddress: (await generateKeyPairSigner()).address, data: Uint8Array.of(0) }
    expect(await verdict(await build([...officialInstructions(p), lighthouse(), unknown]))).toBe(Reason.svmUnknownSixth)
    expect(await verdict(await build([...officialInstructions(p), lighthouse(), lighthouse(), unknown]))).toBe(Reason.svmUnknownSeventh)
  })
})

describe('the transfer', () => {
  const build = (ixs: Parameters<typeof wireOf>[1]) => wireOf(p.feePayer.address, ixs, [p.buyer])
  const layout = (t: ReturnType<typeof transfer>) => [computeLimit(20_000), computePrice(1n), t, memo('x')]

  it('another mint', async () => {
    const mint = (await generateKeyPairSigner()).address
    expect(await verdict(await build(layout(transfer({ mint }))))).toBe(Reason.svmMintMismatch)
  })

  it('a destination that is not the payTo token account', async () => {
    const stranger = (await generateKeyPairSigner()).address
    const elsewhere = await associatedTokenAddress(stranger, p.mint, SPL_TOKEN_PROGRAM as Address)
    expect(await verdict(await build(layout(transfer({ destination: elsewhere }))))).toBe(Reason.svmRecipientMismatch)
    // The payTo wallet itself, not its token account.
    expect(await verdict(await build(layout(transfer({ destination: p.payTo.address }))))).toBe(Reason.svmRecipientMismatch)
  })

  it.each([
    ['one unit short', -1n],
    ['one unit over', 1n],
  ])('an amount %s', async (_label, delta) => {
    expect(await verdict(await build(layout(transfer({ amount: p.amount + delta }))))).toBe(Reason.svmAmountMismatch)
  })

  it('other decimals than the mint', async () => {
    expect(await verdict(await build(layout(transfer({ decimals: 9 }))))).toBe(Reason.svmDecimalsMismatch)
  })
})

describe('memo binding', () => {
  const build = (ixs: Parameters<typeof wireOf>[1]) => wireOf(p.feePayer.address, ixs, [p.buyer])

  it('the route memo passes; another memo, none or two are refused', async () => {
    const bound = { memo: 'invoice-42' }
    expect(await verdict(await officialPayment(p, 'invoice-42'), bound)).toBe(`ok:${p.buyer.address}`)
    expect(await verdict(await officialPayment(p), bound)).toBe(Reason.svmMemoMismatch)
    expect(await verdict(await build(officialInstructions(p).slice(0, 3)), bound)).toBe(Reason.svmMemoCount)
    expect(await verdict(await build([...officialInstructions(p, 'invoice-42'), memo('invoice-42')]), bound)).toBe(Reason.svmMemoCount)
  })

  it('without a route memo, no memo is needed', async () => {
    expect(await verdict(await build(officialInstructions(p).slice(0, 3)))).toBe(`ok:${p.buyer.address}`)
  })
})
