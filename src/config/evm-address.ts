import { keccak_256 } from '@noble/hashes/sha3'
import { bytesToHex } from '@noble/hashes/utils'

/**
 * EVM address checks for configuration, without viem: a seller who only takes Solana payments
 * must be able to run without it, and the chain-neutral core validates payTo for every family.
 */
const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/

/** 0x and 40 hex digits, any case (checksums are not enforced, as viem's `isAddress(x, { strict: false })`). */
export function isEvmAddress(value: unknown): value is `0x${string}` {
  return typeof value === 'string' && HEX_ADDRESS.test(value)
}

/** Payers and payees recur: their checksums are kept, in a map cleared when it grows past this. */
const CHECKSUM_CACHE_LIMIT = 4_096
const checksums = new Map<string, `0x${string}`>()

/** The EIP-55 mixed-case form of an address (throws on anything that is not one). */
export function checksumAddress(address: string): `0x${string}` {
  if (!isEvmAddress(address)) throw new TypeError(`${address} is not an EVM address`)
  const lower = address.slice(2).toLowerCase()
  const known = checksums.get(lower)
  if (known) return known
  const hash = bytesToHex(keccak_256(new TextEncoder().encode(lower)))
  let out = '0x'
  for (let i = 0; i < 40; i++) out += parseInt(hash[i] as string, 16) >= 8 ? (lower[i] as string).toUpperCase() : lower[i]
  if (checksums.size >= CHECKSUM_CACHE_LIMIT) checksums.clear()
  checksums.set(lower, out as `0x${string}`)
  return out as `0x${string}`
}

/** A plausible Solana address (base58, 32 to 44 characters); the Solana family checks it fully. */
export function looksLikeSolanaAddress(value: unknown): value is string {
  return typeof value === 'string' && /^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(value)
}

/** Whether two strings are the same EVM address, in any case; false when either is not an address. */
export function sameAddress(a: unknown, b: unknown): boolean {
  return isEvmAddress(a) && isEvmAddress(b) && a.toLowerCase() === b.toLowerCase()
}
