/**
 * The payment transaction of Solana `exact`, byte for byte as the official @x402/svm client builds
 * it with @solana/kit: a v0 message paid by the seller's fee payer with SetComputeUnitLimit(20 000),
 * SetComputeUnitPrice(1 µlamport), TransferChecked(ATA(buyer) → ATA(payTo)) under the mint's token
 * program, and a Memo; accounts ordered as kit orders them (fee payer, then signers before
 * non-signers, writable before read-only, then by kit's address collation). The wire form carries
 * one empty signature slot per signer, for the wallet (buyer) and the seller (fee payer) to fill.
 */
import { addressBytes, base58Encode, compactU16, concat, littleEndian, programAddress } from './solana-codec.js'

const COMPUTE_BUDGET = 'ComputeBudget111111111111111111111111111111'
const MEMO = 'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr'
const ASSOCIATED_TOKEN = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL'
/** The official client's defaults (DEFAULT_COMPUTE_UNIT_LIMIT, DEFAULT_COMPUTE_UNIT_PRICE_MICROLAMPORTS). */
const COMPUTE_UNIT_LIMIT = 20_000n
const COMPUTE_UNIT_PRICE = 1n
const TRANSFER_CHECKED = 12

export interface PaymentTerms {
  feePayer: string
  buyer: string
  payTo: string
  mint: string
  tokenProgram: string
  amount: bigint
  decimals: number
  memo: Uint8Array
  blockhash: string
}

interface AccountMeta {
  address: string
  signer: boolean
  writable: boolean
}

interface Instruction {
  program: string
  accounts: AccountMeta[]
  data: number[]
}

export async function associatedTokenAccount(owner: string, mint: string, tokenProgram: string): Promise<string> {
  return base58Encode(await programAddress([bytesOf(owner), bytesOf(tokenProgram), bytesOf(mint)], bytesOf(ASSOCIATED_TOKEN)))
}

/** The unsigned wire transaction: compact signature count, zeroed slots, then the v0 message. */
export async function paymentTransaction(terms: PaymentTerms): Promise<{ wire: Uint8Array; message: Uint8Array; signers: string[] }> {
  const [source, destination] = await Promise.all([associatedTokenAccount(terms.buyer, terms.mint, terms.tokenProgram), associatedTokenAccount(terms.payTo, terms.mint, terms.tokenProgram)])
  const instructions: Instruction[] = [
    { program: COMPUTE_BUDGET, accounts: [], data: [2, ...littleEndian(COMPUTE_UNIT_LIMIT, 4)] },
    { program: COMPUTE_BUDGET, accounts: [], data: [3, ...littleEndian(COMPUTE_UNIT_PRICE, 8)] },
    {
      program: terms.tokenProgram,
      accounts: [
        { address: source, signer: false, writable: true },
        { address: terms.mint, signer: false, writable: false },
        { address: destination, signer: false, writable: true },
        { address: terms.buyer, signer: true, writable: false },
      ],
      data: [TRANSFER_CHECKED, ...littleEndian(terms.amount, 8), terms.decimals],
    },
    { program: MEMO, accounts: [], data: Array.from(terms.memo) },
  ]
  const accounts = orderedAccounts(terms.feePayer, instructions)
  const index = new Map(accounts.map((a, i) => [a.address, i]))
  const signers = accounts.filter((a) => a.signer)
  const header = [signers.length, signers.filter((a) => !a.writable).length, accounts.filter((a) => !a.signer && !a.writable).length]
  const message = concat([
    [0x80, ...header],
    compactU16(accounts.length),
    ...accounts.map((a) => bytesOf(a.address)),
    bytesOf(terms.blockhash),
    compactU16(instructions.length),
    ...instructions.map((ix) => [index.get(ix.program)!, ...compactU16(ix.accounts.length), ...ix.accounts.map((a) => index.get(a.address)!), ...compactU16(ix.data.length), ...ix.data]),
    compactU16(0), // no address lookup tables
  ])
  const wire = concat([compactU16(signers.length), new Uint8Array(64 * signers.length), message])
  return { wire, message, signers: signers.map((a) => a.address) }
}

/** kit's getOrderedAccountsFromAddressMap for static accounts: roles merged, then sorted. */
function orderedAccounts(feePayer: string, instructions: Instruction[]): AccountMeta[] {
  const map = new Map<string, AccountMeta>([[feePayer, { address: feePayer, signer: true, writable: true }]])
  const add = (meta: AccountMeta) => {
    const known = map.get(meta.address)
    map.set(meta.address, known ? { address: meta.address, signer: known.signer || meta.signer, writable: known.writable || meta.writable } : meta)
  }
  for (const ix of instructions) {
    add({ address: ix.program, signer: false, writable: false })
    ix.accounts.forEach(add)
  }
  const collate = new Intl.Collator('en', { caseFirst: 'lower', ignorePunctuation: false, localeMatcher: 'best fit', numeric: false, sensitivity: 'variant', usage: 'sort' }).compare
  return [...map.values()].sort((a, b) => {
    if (a.address === feePayer || b.address === feePayer) return a.address === feePayer ? -1 : 1
    if (a.signer !== b.signer) return a.signer ? -1 : 1
    if (a.writable !== b.writable) return a.writable ? -1 : 1
    return collate(a.address, b.address)
  })
}

function bytesOf(address: string): Uint8Array {
  const bytes = addressBytes(address)
  if (!bytes) throw new Error(`not a Solana address: ${address}`)
  return bytes
}

/** The message part of a wire transaction (after the signatures), and its signature slots. */
export function splitWire(wire: Uint8Array): { signatures: Uint8Array[]; message: Uint8Array } | undefined {
  let count = 0
  let at = 0
  for (let shift = 0; at < 3; shift += 7) {
    const byte = wire[at++]
    if (byte === undefined) return undefined
    count |= (byte & 0x7f) << shift
    if (!(byte & 0x80)) break
  }
  const end = at + 64 * count
  if (wire.length <= end) return undefined
  return { signatures: Array.from({ length: count }, (_, i) => wire.subarray(at + 64 * i, at + 64 * (i + 1))), message: wire.subarray(end) }
}
