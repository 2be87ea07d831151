/**
 * `Authorization: x402 …`, the credentials of a payment pushed on chain first (the Ag402 form):
 * a bare transaction hash, or `tx_hash="…" payer_address="…" chain="…"` with tollgate's binding
 * fields `signature` and `nonce`. Strict: anything else is refused, never guessed at.
 */
import { isEvmAddress } from '../config/evm-address.js'

export interface PushCredentials {
  /** As sent; each chain family checks and normalises its own form. */
  txHash: string
  payer?: string
  chain?: string
  /** The paying key's signature over the binding message (see binding-message.ts). */
  signature?: string
  nonce?: string
}

export type PushHeaderRead =
  /** Not an `x402` credential (another scheme, e.g. Bearer): not a payment at all. */
  | { kind: 'none' }
  | { kind: 'invalid'; status: 400 | 431; detail: string }
  | { kind: 'credentials'; credentials: PushCredentials }

/** Characters; longer than any well-formed credential (a hash, two addresses, a contract wallet's signature). */
export const MAX_PUSH_HEADER_BYTES = 8192

const EVM_HASH = /^0x[0-9a-fA-F]{64}$/
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/
const FIELDS = { tx_hash: 'txHash', payer_address: 'payer', chain: 'chain', signature: 'signature', nonce: 'nonce' } as const
type Field = keyof typeof FIELDS

/** A transaction hash of a known family: 0x + 32 bytes hex (EVM), or a base58 Solana signature. */
export function isTransactionHash(value: string): boolean {
  return EVM_HASH.test(value) || (BASE58.test(value) && value.length >= 64 && value.length <= 88)
}

const CHECKS: Record<Field, (value: string) => string | undefined> = {
  tx_hash: (v) => (isTransactionHash(v) ? undefined : 'tx_hash is neither a 0x-prefixed 32-byte hex hash nor a base58 signature'),
  payer_address: (v) =>
    isEvmAddress(v) || (BASE58.test(v) && v.length >= 32 && v.length <= 44) ? undefined : 'payer_address is neither an EVM nor a Solana address',
  chain: (v) => (/^[A-Za-z0-9][A-Za-z0-9:_-]{0,99}$/.test(v) ? undefined : 'chain must be a network name or CAIP-2 id'),
  signature: (v) =>
    /^0x(?:[0-9a-fA-F]{2}){1,2048}$/.test(v) || (BASE58.test(v) && v.length >= 32 && v.length <= 100) ? undefined : 'signature must be 0x-prefixed hex or base58',
  nonce: (v) => (/^[A-Za-z0-9._~-]{8,200}$/.test(v) ? undefined : 'nonce must be 8 to 200 characters of [A-Za-z0-9._~-]'),
}

/** Reads one `Authorization` header value. */
export function parsePushAuthorization(header: string): PushHeaderRead {
  const trimmed = header.trim()
  const scheme = /^x402(?=[ \t]|$)/i.exec(trimmed)
  if (!scheme) return { kind: 'none' }
  if (header.length > MAX_PUSH_HEADER_BYTES) return { kind: 'invalid', status: 431, detail: `the Authorization header is longer than ${MAX_PUSH_HEADER_BYTES} characters` }
  const rest = trimmed.slice(4).replace(/^[ \t]+/, '')
  if (rest === '') return invalid('`Authorization: x402` needs a transaction hash or tx_hash="…"')
  if (!rest.includes('=')) {
    // The legacy form: the hash alone.
    if (!isTransactionHash(rest)) return invalid('the x402 credential is neither a transaction hash nor tx_hash="…" parameters')
    return { kind: 'credentials', credentials: { txHash: rest } }
  }
  const params = parseParams(rest)
  if (typeof params === 'string') return invalid(params)
  const credentials: Partial<Record<(typeof FIELDS)[Field], string>> = {}
  for (const [name, value] of params) {
    const key = name.toLowerCase()
    if (!Object.hasOwn(FIELDS, key)) return invalid(`unknown parameter ${JSON.stringify(name.slice(0, 40))}; allowed: ${Object.keys(FIELDS).join(', ')}`)
    const field = FIELDS[key as Field]
    if (credentials[field] !== undefined) return invalid(`parameter ${key} is given twice`)
    const problem = CHECKS[key as Field](value)
    if (problem) return invalid(problem)
    credentials[field] = value
  }
  if (credentials.txHash === undefined) return invalid('tx_hash is missing')
  return { kind: 'credentials', credentials: credentials as PushCredentials }
}

/**
 * `name=value` pairs separated by commas and/or whitespace; values are quoted strings (with
 * backslash escapes) or tokens. A string when malformed.
 */
function parseParams(text: string): Array<[string, string]> | string {
  const pairs: Array<[string, string]> = []
  let i = 0
  const skip = (commas: boolean) => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || (commas && text[i] === ','))) i++
  }
  while (true) {
    skip(true)
    if (i >= text.length) break
    const name = /^[A-Za-z0-9_-]+/.exec(text.slice(i))?.[0]
    if (!name) return `malformed parameter at character ${i}`
    i += name.length
    skip(false)
    if (text[i] !== '=') return `parameter ${JSON.stringify(name.slice(0, 40))} has no value`
    i++
    skip(false)
    let value = ''
    if (text[i] === '"') {
      i++
      let closed = false
      while (i < text.length) {
        const c = text[i]!
        if (c === '\\') {
          if (i + 1 >= text.length) break
          value += text[i + 1]
          i += 2
          continue
        }
        if (c === '"') {
          closed = true
          i++
          break
        }
        value += c
        i++
      }
      if (!closed) return `the value of ${JSON.stringify(name.slice(0, 40))} has no closing quote`
    } else {
      const token = /^[A-Za-z0-9!#$%&'*+.^_`|~:/-]+/.exec(text.slice(i))?.[0]
      if (!token) return `parameter ${JSON.stringify(name.slice(0, 40))} has an empty or malformed value`
      value = token
      i += token.length
    }
    pairs.push([name, value])
    if (i < text.length && text[i] !== ' ' && text[i] !== '\t' && text[i] !== ',') return `unexpected character after ${JSON.stringify(name.slice(0, 40))}`
  }
  return pairs
}

function invalid(detail: string): PushHeaderRead {
  return { kind: 'invalid', status: 400, detail }
}

/** The structured credential a buyer sends: `x402 tx_hash="…" chain="…" …` (undefined fields left out). */
export function formatPushAuthorization(credentials: PushCredentials): string {
  const parts: string[] = [`tx_hash="${credentials.txHash}"`]
  if (credentials.payer !== undefined) parts.push(`payer_address="${credentials.payer}"`)
  if (credentials.chain !== undefined) parts.push(`chain="${credentials.chain}"`)
  if (credentials.signature !== undefined) parts.push(`signature="${credentials.signature}"`)
  if (credentials.nonce !== undefined) parts.push(`nonce="${credentials.nonce}"`)
  return `x402 ${parts.join(' ')}`
}
