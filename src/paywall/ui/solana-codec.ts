/**
 * The few Solana encodings the page needs, by hand so the widget stays small (@solana/kit would
 * multiply its size): base58 addresses, compact-u16 lengths, and program-derived addresses
 * (SHA-256 through WebCrypto, plus the ed25519 "is this point on the curve" test that decides
 * the bump, done as @solana/addresses does it).
 */

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

export function base58Decode(text: string): Uint8Array | undefined {
  let value = 0n
  for (const c of text) {
    const digit = ALPHABET.indexOf(c)
    if (digit < 0) return undefined
    value = value * 58n + BigInt(digit)
  }
  const bytes: number[] = []
  for (; value > 0n; value >>= 8n) bytes.unshift(Number(value & 255n))
  for (const c of text) {
    if (c !== '1') break
    bytes.unshift(0)
  }
  return Uint8Array.from(bytes)
}

export function base58Encode(bytes: Uint8Array): string {
  let value = 0n
  for (const b of bytes) value = (value << 8n) | BigInt(b)
  let out = ''
  for (; value > 0n; value /= 58n) out = ALPHABET[Number(value % 58n)] + out
  for (const b of bytes) {
    if (b !== 0) break
    out = `1${out}`
  }
  return out
}

/** A 32-byte address (or blockhash) from base58; undefined when it is not one. */
export function addressBytes(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length < 32 || text.length > 44) return undefined
  const bytes = base58Decode(text)
  return bytes?.length === 32 ? bytes : undefined
}

/** Solana's shortvec: 7 bits per byte, high bit = more follows. */
export function compactU16(n: number): number[] {
  const out: number[] = []
  for (;;) {
    const low = n & 0x7f
    n >>= 7
    if (n === 0) return [...out, low]
    out.push(low | 0x80)
  }
}

const P = 2n ** 255n - 19n
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n
const mod = (a: bigint) => ((a % P) + P) % P

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n
  for (base = mod(base); exponent > 0n; exponent >>= 1n, base = (base * base) % P) if (exponent & 1n) result = (result * base) % P
  return result
}

/** Whether 32 bytes decompress to an ed25519 point (a key could sign for it, so it is no PDA). */
export function isOnCurve(bytes: Uint8Array): boolean {
  let y = 0n
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? bytes[i]! & 0x7f : bytes[i]!)
  const y2 = mod(y * y)
  const u = mod(y2 - 1n)
  const v = mod(D * y2 + 1n)
  const v3 = mod(v * v * v)
  const x = mod(u * v3 * power(u * v3 * v3 * v, (P - 5n) / 8n))
  const vx2 = mod(v * x * x)
  if (vx2 !== u && vx2 !== mod(-u)) return false
  // x = 0 has no negative: the sign bit set with it is no point.
  return !(u === 0n && (bytes[31]! & 0x80) !== 0)
}

const PDA_MARKER = new TextEncoder().encode('ProgramDerivedAddress')

/** findProgramAddress: the first bump from 255 down whose hash lies off the curve. */
export async function programAddress(seeds: Uint8Array[], program: Uint8Array): Promise<Uint8Array> {
  for (let bump = 255; bump > 0; bump--) {
    const input = concat([...seeds, Uint8Array.of(bump), program, PDA_MARKER])
    const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', input))
    if (!isOnCurve(hash)) return hash
  }
  throw new Error('no program address for these seeds')
}

export function concat(parts: ArrayLike<number>[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

export function littleEndian(value: bigint, bytes: number): number[] {
  const out: number[] = []
  for (let i = 0; i < bytes; i++, value >>= 8n) out.push(Number(value & 255n))
  return out
}

export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}
