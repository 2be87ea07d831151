import { createKeyPairFromBytes, getAddressDecoder, getBase58Encoder, signBytes, type Address } from '@solana/kit'

/** The seller's fee payer: its address known at once, its WebCrypto key made on first use. */
export interface FeePayerKey {
  address: Address
  /** Signs message bytes (throws when the secret key does not match its public half). */
  sign(message: Uint8Array): Promise<Uint8Array>
}

/**
 * Reads a 64-byte Solana secret key (private half then public half, as `solana-keygen` writes it)
 * given as bytes, a JSON array of numbers or base58. Returns a problem text instead of throwing,
 * and never echoes the key.
 */
export function feePayerKey(secretKey: unknown): FeePayerKey | string {
  let bytes: Uint8Array | undefined
  if (secretKey instanceof Uint8Array) bytes = Uint8Array.from(secretKey)
  else if (Array.isArray(secretKey) && secretKey.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) bytes = Uint8Array.from(secretKey as number[])
  else if (typeof secretKey === 'string') {
    try {
      bytes = Uint8Array.from(getBase58Encoder().encode(secretKey.trim()))
    } catch {
      return 'secretKey is not base58'
    }
  } else return 'secretKey must be the 64-byte Solana secret key (Uint8Array, number array or base58)'
  if (bytes.length !== 64) return `secretKey must be 64 bytes (private and public halves), not ${bytes.length}`
  const address = getAddressDecoder().decode(bytes.subarray(32))
  const secret = bytes
  let pair: Promise<CryptoKeyPair> | undefined
  return {
    address,
    async sign(message) {
      // Non-extractable: once imported, the key cannot be read back out of WebCrypto.
      pair ??= createKeyPairFromBytes(secret, false)
      return Uint8Array.from(await signBytes((await pair).privateKey, message))
    },
  }
}
