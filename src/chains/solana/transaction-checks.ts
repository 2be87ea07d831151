import { getPublicKeyFromAddress, verifySignature, type Address, type SignatureBytes } from '@solana/kit'
import { Reason, type ReasonCode } from '../../errors/reasons.js'
import type { SolanaTerms } from './solana-terms.js'
import type { PaymentTransaction, WireMessage } from './wire-transaction.js'

export const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111'
export const MEMO_PROGRAM = 'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr'
export const LIGHTHOUSE_PROGRAM = 'L2TExMFKdjpN9kozasaurPirfHy9P8sbXoAN1qA3S95'
const TOKEN_PROGRAMS = new Set(['TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb'])
const TRANSFER_CHECKED = 12
const SET_COMPUTE_UNIT_LIMIT = 2
const SET_COMPUTE_UNIT_PRICE = 3
/** The fee payer and the buyer: every further signature is another 5000 lamports the seller would pay. */
const MAX_SIGNERS = 2
const UNKNOWN_AT = [Reason.svmUnknownFourth, Reason.svmUnknownFifth, Reason.svmUnknownSixth, Reason.svmUnknownSeventh]

/** What the seller sponsors at most: fees are paid by its fee payer, so the buyer may not set them high. */
export interface FeeCaps {
  maxComputeUnits: number
  maxPriorityFeeMicroLamports: bigint
}

export type StaticCheck = { ok: true; payer: Address } | { ok: false; reason: ReasonCode; detail: string }

/** What a payment must pay; a facilitator knows neither the mint's decimals nor its program, and leaves them to the simulation. */
export type CheckedTerms = Omit<SolanaTerms, 'decimals' | 'tokenProgram' | 'network'> & { decimals?: number; tokenProgram?: Address }

/**
 * The checks that need no chain, in the official verifier's order with its reason strings, plus
 * what the spec asks and the official 2.27 verifier skips: the fee payer in no instruction at all,
 * a signer cap, our own compute caps and the transfer's decimals. `destinationFor(program)` is
 * ATA(payTo, mint, program).
 */
export async function checkPaymentTransaction(
  tx: PaymentTransaction,
  terms: CheckedTerms,
  feePayer: Address,
  destinationFor: (program: Address) => Promise<Address>,
  caps: FeeCaps,
): Promise<StaticCheck> {
  const { message } = tx
  const account = (index: number) => message.staticAccounts[index] as Address
  if (account(0) !== feePayer) return fail(Reason.svmFeePayerMismatch, `fee payer ${account(0)} is not ${feePayer}`)
  if (message.numSigners > MAX_SIGNERS) return fail(Reason.svmExcessiveSigners, `${message.numSigners} signers; at most ${MAX_SIGNERS} (fee payer and buyer)`)
  for (let i = 1; i < message.numSigners; i++) {
    const signature = tx.signatures[i]
    if (!signature) return fail(Reason.svmSignature, `signer ${account(i)} has not signed`)
    if (!(await verifies(account(i), signature, tx.messageBytes))) return fail(Reason.svmSignature, `the signature of ${account(i)} does not verify`)
  }
  const ixs = message.instructions
  if (ixs.length < 3 || ixs.length > 7) return fail(Reason.svmInstructionsLength, `${ixs.length} instructions; 3 to 7 expected`)
  const program = (i: number) => account(ixs[i]!.programAddressIndex)

  const limit = ixs[0]!
  if (program(0) !== COMPUTE_BUDGET_PROGRAM || limit.data[0] !== SET_COMPUTE_UNIT_LIMIT || limit.data.length !== 5) return fail(Reason.svmComputeLimit, 'instruction 1 is not SetComputeUnitLimit')
  const units = readUint(limit.data, 1, 4)
  if (units > BigInt(caps.maxComputeUnits)) return fail(Reason.svmComputeLimitTooHigh, `compute unit limit ${units} is above ${caps.maxComputeUnits}`)
  const price = ixs[1]!
  if (program(1) !== COMPUTE_BUDGET_PROGRAM || price.data[0] !== SET_COMPUTE_UNIT_PRICE || price.data.length !== 9) return fail(Reason.svmComputePrice, 'instruction 2 is not SetComputeUnitPrice')
  const microLamports = readUint(price.data, 1, 8)
  if (microLamports > caps.maxPriorityFeeMicroLamports) return fail(Reason.svmComputePriceTooHigh, `compute unit price ${microLamports} µlamports is above ${caps.maxPriorityFeeMicroLamports}`)

  const transfer = ixs[2]!
  if (!TOKEN_PROGRAMS.has(program(2)) || transfer.data[0] !== TRANSFER_CHECKED || transfer.data.length !== 10 || transfer.accountIndices.length < 4) {
    return fail(Reason.svmNoTransfer, 'instruction 3 is not a TransferChecked of SPL Token or Token-2022')
  }
  if (terms.tokenProgram !== undefined && program(2) !== terms.tokenProgram) return fail(Reason.svmNoTransfer, `the transfer runs under ${program(2)}, but the mint belongs to ${terms.tokenProgram}`)
  const [source, mint, to, authority] = transfer.accountIndices.slice(0, 4).map(account) as [Address, Address, Address, Address]
  if (authority === feePayer) return fail(Reason.svmFeePayerTransferring, 'the fee payer is the transfer authority')
  if (feePayerIsUsed(message, feePayer)) return fail(Reason.svmFeePayerInInstruction, 'the fee payer appears in an instruction')
  if (source === to) return fail(Reason.svmRecipientMismatch, 'the transfer source is its destination')
  if (mint !== terms.mint) return fail(Reason.svmMintMismatch, `mint ${mint} is not ${terms.mint}`)
  const destination = await destinationFor(program(2))
  if (to !== destination) return fail(Reason.svmRecipientMismatch, `destination ${to} is not ${destination}, the token account of ${terms.payTo}`)
  const amount = readUint(transfer.data, 1, 8)
  if (amount !== terms.amount) return fail(Reason.svmAmountMismatch, `amount ${amount} is not ${terms.amount}`)
  if (terms.decimals !== undefined && transfer.data[9] !== terms.decimals) return fail(Reason.svmDecimalsMismatch, `decimals ${transfer.data[9]} are not ${terms.decimals}`)

  const memos: string[] = []
  for (let i = 3; i < ixs.length; i++) {
    const id = program(i)
    if (id === MEMO_PROGRAM) memos.push(new TextDecoder().decode(ixs[i]!.data))
    else if (id !== LIGHTHOUSE_PROGRAM) return fail(UNKNOWN_AT[i - 3]!, `instruction ${i + 1} runs program ${id}`)
  }
  if (terms.memo !== undefined) {
    if (memos.length !== 1) return fail(Reason.svmMemoCount, `${memos.length} memo instructions; exactly one is required`)
    if (memos[0] !== terms.memo) return fail(Reason.svmMemoMismatch, 'the memo is not the one this route requires')
  }
  return { ok: true, payer: authority }
}

/** The spec's rule: the sponsor's key is in no instruction, as program or account, so no instruction can spend from it. */
function feePayerIsUsed(message: WireMessage, feePayer: Address): boolean {
  const index = message.staticAccounts.indexOf(feePayer)
  return message.instructions.some((ix) => ix.programAddressIndex === index || ix.accountIndices.includes(index))
}

async function verifies(signer: Address, signature: Uint8Array, messageBytes: Uint8Array): Promise<boolean> {
  try {
    const key = await getPublicKeyFromAddress(signer)
    return await verifySignature(key, signature as SignatureBytes, messageBytes)
  } catch {
    // A key WebCrypto refuses (not a curve point) cannot have signed.
    return false
  }
}

/** Little-endian unsigned integer of `width` bytes at `offset`. */
function readUint(data: Uint8Array, offset: number, width: number): bigint {
  let value = 0n
  for (let i = width - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[offset + i] ?? 0)
  return value
}

function fail(reason: ReasonCode, detail: string): StaticCheck {
  return { ok: false, reason, detail }
}
