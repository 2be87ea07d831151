import { z } from 'zod'
import type { RequirementV1, RequirementV2, SettleResponse, X402Version } from '../protocol/wire-types.js'

/** Body of `POST /verify` and `POST /settle`, as the x402 facilitator API defines it for both generations. */
export interface FacilitatorRequest {
  x402Version: X402Version
  /** The buyer's payment as it was presented (v1: `{x402Version, scheme, network, payload}`; v2: `{x402Version, accepted, payload}`). */
  paymentPayload: Record<string, unknown>
  /** The route's requirement in the payer's generation. */
  paymentRequirements: RequirementV1 | RequirementV2
}

export interface VerifyResponse {
  isValid: boolean
  invalidReason?: string
  invalidMessage?: string
  payer?: string
}

export interface SupportedKind {
  x402Version: number
  scheme: string
  network: string
  extra?: Record<string, unknown>
}

export interface SupportedResponse {
  kinds: SupportedKind[]
  extensions: string[]
  signers: Record<string, string[]>
}

export type { SettleResponse }

// Facilitators send null for absent fields; they are read as absent. Unknown fields are dropped.
const optionalText = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined)

export const verifyResponseSchema = z.object({
  isValid: z.boolean(),
  invalidReason: optionalText,
  invalidMessage: optionalText,
  payer: optionalText,
})

export const settleResponseSchema = z.object({
  success: z.boolean(),
  transaction: z.string().max(200),
  network: z.string(),
  payer: optionalText,
  errorReason: optionalText,
  errorMessage: optionalText,
  amount: optionalText,
})

export const supportedResponseSchema = z.object({
  kinds: z.array(
    z.object({
      x402Version: z.number(),
      scheme: z.string(),
      network: z.string(),
      extra: z.record(z.string(), z.unknown()).nullish().transform((v) => v ?? undefined),
    }),
  ),
  extensions: z.array(z.string()).default([]),
  signers: z.record(z.string(), z.array(z.string())).default({}),
})

/** Whether `/supported` lists this kind; a kind's network may be a CAIP-2 wildcard such as `eip155:*`. */
export function supportsKind(supported: SupportedResponse, wanted: { x402Version: number; scheme: string; network: string }): boolean {
  return supported.kinds.some(
    (kind) =>
      kind.x402Version === wanted.x402Version &&
      kind.scheme === wanted.scheme &&
      (kind.network === wanted.network || (kind.network.endsWith(':*') && wanted.network.startsWith(kind.network.slice(0, -1)))),
  )
}
