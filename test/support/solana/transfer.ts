import { randomBytes } from 'node:crypto'
import {
  appendTransactionMessageInstructions,
  createNoopSigner,
  createTransactionMessage,
  getBase64EncodedWireTransaction,
  partiallySignTransactionMessageWithSigners,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type Address,
  type Blockhash,
  type Instruction,
  type KeyPairSigner,
} from '@solana/kit'
import { findAssociatedTokenPda, getTransferCheckedInstruction } from '@solana-program/token'
import { signerOf, type SolanaKeypair } from './keys.js'
import type { SolanaStandIn } from './stand-in.js'

const COMPUTE_BUDGET = 'ComputeBudget111111111111111111111111111111' as Address
const MEMO = 'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr' as Address

/** A raw JSON-RPC call to the stand-in (or any node); throws on a JSON-RPC error. */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
  const body = (await res.json()) as { result?: T; error?: { code: number; message: string } }
  if (body.error) throw Object.assign(new Error(`${method}: ${body.error.message}`), { code: body.error.code })
  return body.result as T
}

export interface TransferOptions {
  buyer: SolanaKeypair
  payTo: Address
  amount: bigint
  /** The fee payer named in the message (default the stand-in's). */
  feePayer?: Address
  /** Also sign as the fee payer (needs its secret): a complete transaction, as after settlement. */
  feePayerKey?: SolanaKeypair
  mint?: Address
  decimals?: number
  tokenProgram?: Address
  memo?: string
  computeUnitLimit?: number
  computeUnitPriceMicroLamports?: bigint
  /** Defaults to the stand-in's latest blockhash. */
  blockhash?: string
  /** Rewrites the instruction list (bad payments: extra, missing or reordered instructions). */
  instructions?: (official: Instruction[], buyer: KeyPairSigner) => Instruction[]
}

/**
 * A payment transaction laid out exactly as the official @x402/svm client builds it (compute limit
 * 20 000, price 1 µlamport, TransferChecked to ATA(payTo), a memo of 16 random bytes hex), signed
 * by the buyer; the fee payer's slot stays empty unless its key is given. Base64 wire format.
 */
export async function paymentTransaction(sol: SolanaStandIn, opts: TransferOptions): Promise<string> {
  const mint = opts.mint ?? sol.mint
  const tokenProgram = opts.tokenProgram ?? sol.tokenProgram
  const buyer = await signerOf(opts.buyer)
  const [source] = await findAssociatedTokenPda({ owner: opts.buyer.address, mint, tokenProgram })
  const [destination] = await findAssociatedTokenPda({ owner: opts.payTo, mint, tokenProgram })
  const limit = new Uint8Array(5)
  limit[0] = 2
  new DataView(limit.buffer).setUint32(1, opts.computeUnitLimit ?? 20_000, true)
  const price = new Uint8Array(9)
  price[0] = 3
  new DataView(price.buffer).setBigUint64(1, opts.computeUnitPriceMicroLamports ?? 1n, true)
  const instructions: Instruction[] = [
    { programAddress: COMPUTE_BUDGET, data: limit },
    { programAddress: COMPUTE_BUDGET, data: price },
    getTransferCheckedInstruction(
      { source, mint, destination, authority: buyer, amount: opts.amount, decimals: opts.decimals ?? sol.decimals },
      { programAddress: tokenProgram },
    ),
    { programAddress: MEMO, data: new TextEncoder().encode(opts.memo ?? randomBytes(16).toString('hex')) },
  ]
  const layout = opts.instructions ? opts.instructions(instructions, buyer) : instructions
  const blockhash = opts.blockhash ?? (await rpc<{ value: { blockhash: string } }>(sol.url, 'getLatestBlockhash')).value.blockhash
  const feePayerAddress = opts.feePayerKey?.address ?? opts.feePayer ?? sol.feePayer.address
  // kit wants one signer instance per address: a buyer who is also the fee payer signs as both.
  const feePayer = feePayerAddress === buyer.address ? buyer : opts.feePayerKey ? await signerOf(opts.feePayerKey) : createNoopSigner(feePayerAddress)
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(feePayer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash as Blockhash, lastValidBlockHeight: 0n }, m),
    (m) => appendTransactionMessageInstructions(layout, m),
  )
  const signed = opts.feePayerKey ? await signTransactionMessageWithSigners(message) : await partiallySignTransactionMessageWithSigners(message)
  return getBase64EncodedWireTransaction(signed)
}

/** The x402 v2 payment payload and PAYMENT-SIGNATURE header for a transaction, against `accepted`. */
export function v2PaymentHeader(transaction: string, accepted: Record<string, unknown>, resource?: unknown): string {
  const payload = { x402Version: 2, ...(resource ? { resource } : {}), accepted, payload: { transaction } }
  return Buffer.from(JSON.stringify(payload)).toString('base64')
}

export interface SolanaOffer {
  scheme: string
  network: string
  amount: string
  asset: string
  payTo: string
  maxTimeoutSeconds: number
  extra: { feePayer: string; recentBlockhash?: string; lastValidBlockHeight?: number; memo?: string; [key: string]: unknown }
}

export interface SignedPayment {
  /** The PAYMENT-SIGNATURE header value. */
  header: string
  offer: SolanaOffer
  transaction: string
}

/**
 * Asks `url` for its 402, takes its Solana option on `network` and pays it with a transaction
 * built like the official client's (see paymentTransaction); `tx` overrides any field of it, for
 * bad payments. In-process and quick: for the many-payment cases where a child process per
 * payment would only slow the suite.
 */
export async function payFor(
  sol: SolanaStandIn,
  url: string,
  buyer: SolanaKeypair,
  tx: Partial<TransferOptions> = {},
  network: string = sol.network,
  init: RequestInit = {},
): Promise<SignedPayment> {
  const res = await fetch(url, init)
  if (res.status !== 402) throw new Error(`expected a 402 from ${url}, got ${res.status}`)
  const header = res.headers.get('payment-required')
  if (!header) throw new Error(`the 402 from ${url} has no PAYMENT-REQUIRED header`)
  const required = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { resource?: unknown; accepts: SolanaOffer[] }
  const offer = required.accepts.find((a) => a.network === network)
  if (!offer) throw new Error(`the 402 from ${url} offers nothing on ${network}`)
  const transaction = await paymentTransaction(sol, {
    buyer,
    payTo: offer.payTo as Address,
    amount: BigInt(offer.amount),
    feePayer: offer.extra.feePayer as Address,
    mint: offer.asset as Address,
    ...(offer.extra.recentBlockhash ? { blockhash: offer.extra.recentBlockhash } : {}),
    ...(offer.extra.memo ? { memo: offer.extra.memo } : {}),
    ...tx,
  })
  return { header: v2PaymentHeader(transaction, offer as unknown as Record<string, unknown>, required.resource), offer, transaction }
}
