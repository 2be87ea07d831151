import { sha256 } from '@noble/hashes/sha2'
import { bytesToHex } from '@noble/hashes/utils'
import { getBase58Decoder, getCompiledTransactionMessageDecoder, getTransactionDecoder, type Address } from '@solana/kit'
import { Reason, type ReasonCode } from '../../errors/reasons.js'

/** A v0 message as the wire carries it: accounts by index, instruction data as bytes. */
export interface WireMessage {
  numSigners: number
  staticAccounts: readonly Address[]
  blockhash: string
  instructions: readonly { programAddressIndex: number; accountIndices: readonly number[]; data: Uint8Array }[]
}

/** A decoded payment transaction: the exact bytes its signatures cover, and what they say. */
export interface PaymentTransaction {
  /** The base64 wire transaction as the buyer sent it. */
  wire: string
  messageBytes: Uint8Array
  /** One slot per required signer, in account order; null where the signature is all zeros (unsigned). */
  signatures: readonly (Uint8Array | null)[]
  message: WireMessage
  /** Hex sha256 of the message bytes: the payment's identity whatever the signatures. */
  messageHash: string
}

export type DecodeResult = { ok: true; transaction: PaymentTransaction } | { ok: false; reason: ReasonCode; detail: string }

/** A Solana packet is at most 1232 bytes; its base64 is at most 1644 characters. */
const MAX_WIRE_CHARS = 1644
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

const transactionDecoder = getTransactionDecoder()
const messageDecoder = getCompiledTransactionMessageDecoder()

/**
 * Decodes `payload.transaction` strictly: canonical base64 of exactly one transaction with no
 * trailing bytes, a v0 message whose accounts are all static and whose instruction indices stay
 * inside them. Anything else is a refusal with a reason, never an exception.
 */
export function decodePaymentTransaction(payload: unknown): DecodeResult {
  const wire = typeof payload === 'object' && payload !== null ? (payload as { transaction?: unknown }).transaction : undefined
  if (typeof wire !== 'string' || wire.length === 0) return undecodable('payload.transaction must be a base64 string')
  if (wire.length > MAX_WIRE_CHARS || !BASE64.test(wire)) return undecodable('payload.transaction is not base64 of a Solana transaction')
  const bytes = base64Bytes(wire)
  let decoded: { messageBytes: Uint8Array; signatures: Record<string, Uint8Array | null> }
  let compiled: ReturnType<typeof messageDecoder.decode>
  try {
    const [transaction, end] = transactionDecoder.read(bytes, 0)
    if (end !== bytes.length) return undecodable('trailing bytes after the transaction')
    decoded = transaction as unknown as typeof decoded
    const [message, messageEnd] = messageDecoder.read(decoded.messageBytes, 0)
    if (messageEnd !== decoded.messageBytes.length) return undecodable('trailing bytes after the message')
    compiled = message
  } catch (error) {
    return undecodable(`not a Solana transaction (${error instanceof Error ? error.message.slice(0, 120) : 'decode failed'})`)
  }
  if (compiled.version === 'legacy') return { ok: false, reason: Reason.svmLegacyTransaction, detail: 'legacy message; a version 0 transaction is required' }
  if (compiled.version !== 0) return undecodable(`message version ${String(compiled.version)} is not supported`)
  const lookups = (compiled as { addressTableLookups?: readonly unknown[] }).addressTableLookups
  if (lookups && lookups.length > 0) return { ok: false, reason: Reason.svmLookupTables, detail: 'the transaction loads accounts from address lookup tables' }
  const staticAccounts = compiled.staticAccounts
  const numSigners = compiled.header.numSignerAccounts
  if (numSigners < 1 || numSigners > staticAccounts.length) return undecodable('signer count outside the account list')
  const instructions = compiled.instructions.map((ix) => ({
    programAddressIndex: ix.programAddressIndex,
    accountIndices: ix.accountIndices ?? [],
    data: Uint8Array.from(ix.data ?? []),
  }))
  const inRange = (i: number) => Number.isInteger(i) && i >= 0 && i < staticAccounts.length
  if (!instructions.every((ix) => inRange(ix.programAddressIndex) && ix.accountIndices.every(inRange))) return undecodable('an instruction names an account outside the message')
  const blockhash = (compiled as { lifetimeToken?: unknown }).lifetimeToken
  if (typeof blockhash !== 'string') return undecodable('the message has no blockhash')
  const signatures = staticAccounts.slice(0, numSigners).map((account) => {
    const signature = decoded.signatures[account]
    return signature && signature.some((b) => b !== 0) ? Uint8Array.from(signature) : null
  })
  if (Object.keys(decoded.signatures).length !== numSigners) return undecodable('signature count does not match the signers')
  const messageBytes = Uint8Array.from(decoded.messageBytes)
  return {
    ok: true,
    transaction: {
      wire,
      messageBytes,
      signatures,
      message: { numSigners, staticAccounts, blockhash, instructions },
      messageHash: bytesToHex(sha256(messageBytes)),
    },
  }
}

/** The base58 form of a signature, as explorers and `getSignatureStatuses` name transactions. */
export function signatureText(signature: Uint8Array): string {
  return base58.decode(signature)
}

const base58 = getBase58Decoder()

function undecodable(detail: string): DecodeResult {
  return { ok: false, reason: Reason.svmUndecodable, detail }
}

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}
