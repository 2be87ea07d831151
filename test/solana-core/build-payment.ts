/**
 * Hand-built Solana payment transactions for tollgate's own checks: the official client's layout
 * (compute limit, compute price, TransferChecked, memo) by default, and every way to bend it.
 */
import {
  AccountRole,
  appendTransactionMessageInstructions,
  createKeyPairFromPrivateKeyBytes,
  createSignerFromKeyPair,
  compileTransaction,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase64EncodedWireTransaction,
  partiallySignTransaction,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type Address,
  type Blockhash,
  type Instruction,
  type KeyPairSigner,
} from '@solana/kit'
import { associatedTokenAddress } from '../../src/chains/solana/token-account.js'
import { COMPUTE_BUDGET_PROGRAM, LIGHTHOUSE_PROGRAM, MEMO_PROGRAM } from '../../src/chains/solana/transaction-checks.js'
import { SPL_TOKEN_PROGRAM } from '../../src/chains/solana/solana-networks.js'

export const SYSTEM_PROGRAM = '11111111111111111111111111111111' as Address
export const BLOCKHASH = 'EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N' as Blockhash

const le = (value: bigint, width: number) => {
  const out = new Uint8Array(width)
  for (let i = 0; i < width; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn)
  return out
}
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]))

export const computeLimit = (units: number): Instruction => ({ programAddress: COMPUTE_BUDGET_PROGRAM as Address, data: concat(Uint8Array.of(2), le(BigInt(units), 4)) })
export const computePrice = (microLamports: bigint): Instruction => ({ programAddress: COMPUTE_BUDGET_PROGRAM as Address, data: concat(Uint8Array.of(3), le(microLamports, 8)) })
export const memo = (text: string): Instruction => ({ programAddress: MEMO_PROGRAM as Address, data: new TextEncoder().encode(text) })
export const lighthouse = (): Instruction => ({ programAddress: LIGHTHOUSE_PROGRAM as Address, data: Uint8Array.of(1) })

export function transferChecked(a: { source: Address; mint: Address; destination: Address; authority: Address; amount: bigint; decimals: number; program?: Address }): Instruction {
  return {
    programAddress: a.program ?? (SPL_TOKEN_PROGRAM as Address),
    accounts: [
      { address: a.source, role: AccountRole.WRITABLE },
      { address: a.mint, role: AccountRole.READONLY },
      { address: a.destination, role: AccountRole.WRITABLE },
      { address: a.authority, role: AccountRole.READONLY_SIGNER },
    ],
    data: concat(Uint8Array.of(12), le(a.amount, 8), Uint8Array.of(a.decimals)),
  }
}

export function systemTransfer(from: Address, to: Address, lamports: bigint): Instruction {
  return {
    programAddress: SYSTEM_PROGRAM,
    accounts: [
      { address: from, role: AccountRole.WRITABLE_SIGNER },
      { address: to, role: AccountRole.WRITABLE },
    ],
    data: concat(le(2n, 4), le(lamports, 8)),
  }
}

export function createAccount(from: Address, created: Address): Instruction {
  return {
    programAddress: SYSTEM_PROGRAM,
    accounts: [
      { address: from, role: AccountRole.WRITABLE_SIGNER },
      { address: created, role: AccountRole.WRITABLE_SIGNER },
    ],
    data: concat(le(0n, 4), le(1_000_000n, 8), le(165n, 8), new Uint8Array(32)),
  }
}

/** A seller (fee payer, payTo), a mint and a buyer, as a route's terms would name them. */
export interface Parties {
  feePayer: KeyPairSigner
  /** The fee payer's 64-byte secret key, for a settler. */
  feePayerSecret: Uint8Array
  payTo: KeyPairSigner
  buyer: KeyPairSigner
  mint: Address
  decimals: number
  amount: bigint
  destination: Address
  source: Address
}

export async function parties(amount = 10_000n): Promise<Parties> {
  const feePayerSecret = Uint8Array.from({ length: 64 }, () => 0)
  crypto.getRandomValues(feePayerSecret.subarray(0, 32))
  const feePayerPair = await createKeyPairFromPrivateKeyBytes(feePayerSecret.subarray(0, 32), true)
  feePayerSecret.set(new Uint8Array(await crypto.subtle.exportKey('raw', feePayerPair.publicKey)), 32)
  const feePayer = await createSignerFromKeyPair(feePayerPair)
  const [payTo, buyer, mintKey] = await Promise.all([generateKeyPairSigner(), generateKeyPairSigner(), generateKeyPairSigner()])
  const mint = mintKey.address
  const program = SPL_TOKEN_PROGRAM as Address
  return {
    feePayer,
    feePayerSecret,
    payTo,
    buyer,
    mint,
    decimals: 6,
    amount,
    destination: await associatedTokenAddress(payTo.address, mint, program),
    source: await associatedTokenAddress(buyer.address, mint, program),
  }
}

/** The official client's instructions for these parties, with `memoText` (default a random nonce). */
export function officialInstructions(p: Parties, memoText = crypto.randomUUID().replaceAll('-', '')): Instruction[] {
  return [
    computeLimit(20_000),
    computePrice(1n),
    transferChecked({ source: p.source, mint: p.mint, destination: p.destination, authority: p.buyer.address, amount: p.amount, decimals: p.decimals }),
    memo(memoText),
  ]
}

/** A v0 transaction paid by `feePayer` (unsigned) and signed by `signers`, as base64 wire bytes. */
export async function wireOf(feePayer: Address, instructions: Instruction[], signers: KeyPairSigner[]): Promise<string> {
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(feePayer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: BLOCKHASH, lastValidBlockHeight: 1000n }, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  )
  const compiled = compileTransaction(message)
  const signed = signers.length > 0 ? await partiallySignTransaction(signers.map((s) => s.keyPair), compiled) : compiled
  return getBase64EncodedWireTransaction(signed)
}

export async function officialPayment(p: Parties, memoText?: string): Promise<string> {
  return wireOf(p.feePayer.address, officialInstructions(p, memoText), [p.buyer])
}
