import { createSecretKey, type KeyObject } from 'node:crypto'
import jwt from 'jsonwebtoken'
import { LRUCache } from 'lru-cache'
import { z } from 'zod'
import { ConfigurationError } from '../errors/tollgate-error.js'
import type { CredentialKey } from './prepaid-options.js'

/** What a credential says. The remaining count is never in it: the server keeps that. */
export interface CredentialClaims {
  /** Credential id. */
  jti: string
  /** The buyer: the verified payer of the purchase. */
  sub: string
  /** The seller the credential is good at. */
  aud: string
  /** Package id. */
  pkg: string
  /** Call limit. */
  calls: number
  iat: number
  exp: number
}

export type CredentialFailure =
  | 'prepaid_malformed'
  | 'prepaid_algorithm_not_allowed'
  | 'prepaid_unknown_key'
  | 'prepaid_invalid_signature'
  | 'prepaid_wrong_audience'
  | 'prepaid_expired'

export type CredentialCheck = { ok: true; claims: CredentialClaims } | { ok: false; reason: CredentialFailure; detail: string }

const MIN_SECRET_BYTES = 32
const MAX_TOKEN_LENGTH = 4096
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

const claimsSchema = z.object({
  jti: z.string().min(8).max(128),
  // The buyer: an EVM address, or a Solana one (base58) when the package was paid on Solana.
  sub: z.string().regex(/^(?:0x[0-9a-fA-F]{40}|[1-9A-HJ-NP-Za-km-z]{32,44})$/),
  aud: z.string().min(1),
  pkg: z.string().min(1).max(128),
  calls: z.number().int().positive(),
  iat: z.number().int(),
  exp: z.number().int(),
})

/**
 * HS256 credentials under several keys. The algorithm is pinned (no `none`, no RS/HS confusion),
 * the key is chosen by the token's `kid` among known ids only, and jsonwebtoken compares
 * signatures in constant time.
 */
export class KeyRing {
  // KeyObjects, built once: given raw bytes, jsonwebtoken first tries each one as a PEM public key
  // and catches the failure, which cost about a fifth of a prepaid call's CPU.
  private readonly secrets = new Map<string, KeyObject>()
  private readonly signingKey: { id: string; secret: KeyObject }
  /**
   * Tokens already verified, by their exact text: a buyer spends one credential many times, and a
   * full verification costs more than the rest of a call. Any altered byte misses the cache; expiry
   * is checked again on every use.
   */
  private readonly verified = new LRUCache<string, CredentialClaims>({ max: 10_000 })

  constructor(keys: readonly CredentialKey[]) {
    const problems: string[] = []
    for (const key of keys) {
      const secret = typeof key.secret === 'string' ? Buffer.from(key.secret, 'utf8') : Buffer.from(key.secret)
      if (typeof key.id !== 'string' || key.id === '') problems.push('prepaid: every key needs an id')
      else if (this.secrets.has(key.id)) problems.push(`prepaid: key id ${JSON.stringify(key.id)} is used twice`)
      if (secret.length < MIN_SECRET_BYTES) {
        problems.push(`prepaid: key ${JSON.stringify(key.id)} is ${secret.length} bytes; secrets need at least ${MIN_SECRET_BYTES}`)
      }
      if (secret.length > 0) this.secrets.set(key.id, createSecretKey(secret))
    }
    if (keys.length === 0) problems.push('prepaid: give `secret` or at least one key in `keys`')
    if (problems.length > 0) throw new ConfigurationError(problems)
    const first = keys[0] as CredentialKey
    this.signingKey = { id: first.id, secret: this.secrets.get(first.id) as KeyObject }
  }

  sign(claims: CredentialClaims): string {
    // jsonwebtoken keeps the iat it is given; its noTimestamp option would drop it.
    return jwt.sign({ ...claims }, this.signingKey.secret, { algorithm: 'HS256', keyid: this.signingKey.id })
  }

  verify(token: string, audience: string, nowSeconds: number): CredentialCheck {
    const known = this.verified.get(token)
    if (known && known.aud === audience) {
      if (nowSeconds >= known.exp) return fail('prepaid_expired', `expired at ${new Date(known.exp * 1000).toISOString()}`)
      return { ok: true, claims: known }
    }
    const check = this.verifyFully(token, audience, nowSeconds)
    if (check.ok) this.verified.set(token, check.claims)
    return check
  }

  private verifyFully(token: string, audience: string, nowSeconds: number): CredentialCheck {
    if (token.length > MAX_TOKEN_LENGTH || !JWT_SHAPE.test(token)) return fail('prepaid_malformed', 'not a compact JWT')
    const decoded = safeDecode(token)
    if (!decoded) return fail('prepaid_malformed', 'the JWT header or payload is not JSON')
    if (decoded.header.alg !== 'HS256') return fail('prepaid_algorithm_not_allowed', `alg ${String(decoded.header.alg)} is not HS256`)
    const secret = typeof decoded.header.kid === 'string' ? this.secrets.get(decoded.header.kid) : undefined
    if (!secret) return fail('prepaid_unknown_key', `key id ${JSON.stringify(decoded.header.kid)} is not one of this seller's`)
    let payload: unknown
    try {
      payload = jwt.verify(token, secret, { algorithms: ['HS256'], audience, clockTimestamp: nowSeconds })
    } catch (error) {
      return classify(error)
    }
    const claims = claimsSchema.safeParse(payload)
    if (!claims.success) return fail('prepaid_malformed', 'the credential lacks required claims')
    return { ok: true, claims: claims.data }
  }
}

function safeDecode(token: string): { header: { alg?: unknown; kid?: unknown } } | null {
  try {
    const decoded = jwt.decode(token, { complete: true })
    return decoded && typeof decoded === 'object' ? (decoded as { header: { alg?: unknown; kid?: unknown } }) : null
  } catch {
    return null
  }
}

function classify(error: unknown): CredentialCheck {
  if (error instanceof jwt.TokenExpiredError) return fail('prepaid_expired', `expired at ${error.expiredAt.toISOString()}`)
  const message = error instanceof Error ? error.message : String(error)
  if (/audience/i.test(message)) return fail('prepaid_wrong_audience', 'the credential was issued by another seller')
  if (/signature/i.test(message)) return fail('prepaid_invalid_signature', 'the signature does not match')
  return fail('prepaid_malformed', message)
}

function fail(reason: CredentialFailure, detail: string): CredentialCheck {
  return { ok: false, reason, detail }
}
