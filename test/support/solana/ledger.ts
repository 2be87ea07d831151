import {
  getBase58Decoder,
  getCompiledTransactionMessageDecoder,
  getTransactionDecoder,
  type Address,
  type Transaction,
} from '@solana/kit'
import type { LiteSVM } from 'litesvm'

/** The two token programs whose accounts the stand-in reports in token balances. */
export const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA' as Address
export const TOKEN_2022_PROGRAM = 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb' as Address
const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111'
const LAMPORTS_PER_SIGNATURE = 5_000n
const DEFAULT_UNITS_PER_INSTRUCTION = 200_000n
const MAX_UNITS = 1_400_000n

export interface DecodedTransaction {
  tx: Transaction
  wire: Uint8Array
  /** The transaction id: the first (fee payer's) signature in base58, or null when that slot is empty. */
  signature: string | null
  message: CompiledMessage
}

/** The parts of a compiled (legacy or v0) message the stand-in reads. */
export interface CompiledMessage {
  version: number | 'legacy'
  header: { numSignerAccounts: number; numReadonlySignerAccounts: number; numReadonlyNonSignerAccounts: number }
  staticAccounts: Address[]
  lifetimeToken: string
  instructions: { programAddressIndex: number; accountIndices?: readonly number[]; data?: Uint8Array }[]
}

export function decodeWire(wire: Uint8Array): DecodedTransaction {
  const tx = getTransactionDecoder().decode(wire) as Transaction
  const message = getCompiledTransactionMessageDecoder().decode(tx.messageBytes) as unknown as CompiledMessage
  const first = Object.values(tx.signatures)[0]
  const signature = first && first.some((b) => b !== 0) ? getBase58Decoder().decode(first) : null
  return { tx, wire, signature, message }
}

/** What a cluster charges: 5000 lamports per signature plus the priority fee (limit × price, rounded up). */
export function feeOf(message: DecodedTransaction['message']): bigint {
  let limit: bigint | undefined
  let price = 0n
  let others = 0n
  for (const ix of message.instructions) {
    const program = message.staticAccounts[ix.programAddressIndex]
    const data = ix.data ?? new Uint8Array()
    if (program !== COMPUTE_BUDGET_PROGRAM) {
      others += 1n
      continue
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
    if (data[0] === 2 && data.length >= 5) limit = BigInt(view.getUint32(1, true))
    if (data[0] === 3 && data.length >= 9) price = view.getBigUint64(1, true)
  }
  const units = limit ?? (others * DEFAULT_UNITS_PER_INSTRUCTION > MAX_UNITS ? MAX_UNITS : others * DEFAULT_UNITS_PER_INSTRUCTION)
  const priority = (units * price + 999_999n) / 1_000_000n
  return LAMPORTS_PER_SIGNATURE * BigInt(message.header.numSignerAccounts) + priority
}

export interface TokenAccountState {
  address: Address
  mint: Address
  owner: Address
  amount: bigint
  programId: Address
}

const addressOf = (bytes: Uint8Array) => getBase58Decoder().decode(bytes) as Address

/** The SPL Token / Token-2022 account at `address`, or null when it is something else or absent. */
export function readTokenAccount(svm: LiteSVM, address: Address): TokenAccountState | null {
  const account = svm.getAccount(address)
  if (!account.exists) return null
  const program = account.programAddress
  if (program !== TOKEN_PROGRAM && program !== TOKEN_2022_PROGRAM) return null
  const data = account.data
  // A base token account is 165 bytes; Token-2022 accounts with extensions carry account type 2 at byte 165.
  const isAccount = data.length === 165 || (data.length > 165 && data[165] === 2)
  if (!isAccount || data[108] === 0) return null
  const amount = new DataView(data.buffer, data.byteOffset + 64, 8).getBigUint64(0, true)
  return { address, mint: addressOf(data.subarray(0, 32)), owner: addressOf(data.subarray(32, 64)), amount, programId: program }
}

/** A mint's decimals (byte 44 of the base mint layout), or null when `mint` is not a mint. */
export function readMintDecimals(svm: LiteSVM, mint: Address): number | null {
  const account = svm.getAccount(mint)
  if (!account.exists || account.data.length < 82) return null
  if (account.programAddress !== TOKEN_PROGRAM && account.programAddress !== TOKEN_2022_PROGRAM) return null
  return account.data[44] ?? null
}

export interface RpcTokenBalance {
  accountIndex: number
  mint: string
  owner: string
  programId: string
  uiTokenAmount: { amount: string; decimals: number; uiAmount: number | null; uiAmountString: string }
}

export function uiAmount(amount: bigint, decimals: number): RpcTokenBalance['uiTokenAmount'] {
  const base = 10n ** BigInt(decimals)
  const whole = amount / base
  const frac = (amount % base).toString().padStart(decimals, '0').replace(/0+$/, '')
  const uiAmountString = frac ? `${whole}.${frac}` : `${whole}`
  return { amount: amount.toString(), decimals, uiAmount: Number(uiAmountString), uiAmountString }
}

/** The token balances of a transaction's static accounts, in the shape of `meta.preTokenBalances`. */
export function tokenBalances(svm: LiteSVM, accounts: readonly Address[]): RpcTokenBalance[] {
  const out: RpcTokenBalance[] = []
  accounts.forEach((address, accountIndex) => {
    const state = readTokenAccount(svm, address)
    if (!state) return
    const decimals = readMintDecimals(svm, state.mint) ?? 0
    out.push({ accountIndex, mint: state.mint, owner: state.owner, programId: state.programId, uiTokenAmount: uiAmount(state.amount, decimals) })
  })
  return out
}

export function lamportBalances(svm: LiteSVM, accounts: readonly Address[]): number[] {
  return accounts.map((a) => Number(svm.getBalance(a) ?? 0n))
}
