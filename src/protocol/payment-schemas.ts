import { z } from 'zod'

/** Schemas for what buyers send. Unknown fields are dropped, never trusted. */

const UINT256_MAX = (1n << 256n) - 1n

const DECIMAL_UINT = /^(0|[1-9]\d{0,77})$/

// zod 4 runs refinements even after the regex failed, so the range check must not assume digits.
export const uintString = z
  .string()
  .refine((v) => DECIMAL_UINT.test(v), 'must be a decimal integer string')
  .refine((v) => !DECIMAL_UINT.test(v) || BigInt(v) <= UINT256_MAX, 'must fit in a uint256')

export const evmAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address')
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex value')
// 65 bytes for an EOA; smart wallets (ERC-1271 / ERC-6492) send longer ones, bounded by the header limit.
const signatureHex = z.string().regex(/^0x(?:[0-9a-fA-F]{2}){65,6000}$/, 'must be a 0x-prefixed hex signature of at least 65 bytes')

const shortText = (max: number) => z.string().min(1).max(max)

export const requirementV2Schema = z.object({
  scheme: shortText(64),
  network: shortText(128),
  asset: shortText(128),
  amount: uintString,
  payTo: shortText(128),
  maxTimeoutSeconds: z.number().int().nonnegative().optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
})

export const envelopeV1Schema = z.object({
  x402Version: z.literal(1),
  scheme: shortText(64),
  network: shortText(128),
  payload: z.unknown(),
})

export const envelopeV2Schema = z.object({
  x402Version: z.literal(2),
  accepted: requirementV2Schema,
  payload: z.unknown(),
  resource: z.unknown().optional(),
  extensions: z.unknown().optional(),
})

export const exactEvmPayloadSchema = z.object({
  signature: signatureHex,
  authorization: z.object({
    from: evmAddress,
    to: evmAddress,
    value: uintString,
    validAfter: uintString,
    validBefore: uintString,
    nonce: bytes32,
  }),
})

export type ExactEvmPayload = z.infer<typeof exactEvmPayloadSchema>
export type AcceptedRequirement = z.infer<typeof requirementV2Schema>

/** One line naming the first problem zod found, for error bodies. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0]
  if (!issue) return 'invalid shape'
  const path = issue.path.length > 0 ? issue.path.join('.') : '(root)'
  return `${path}: ${issue.message}`
}
