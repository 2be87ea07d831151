import { getAddress, isAddress, isAddressEqual } from 'viem'
import { z } from 'zod'
import { Reason, type ReasonCode } from '../errors/reasons.js'
import type { EvmTerms } from '../chains/evm/exact/evm-terms.js'
import type { EvmNetwork, TokenInfo } from '../chains/evm/network/evm-network.js'
import { describeIssues, envelopeV1Schema, envelopeV2Schema, requirementV2Schema, uintString } from '../protocol/payment-schemas.js'
import type { PaymentEnvelope } from '../protocol/read-payment.js'

const requirementV1Schema = z.object({
  scheme: z.string().min(1).max(64),
  network: z.string().min(1).max(128),
  maxAmountRequired: uintString,
  payTo: z.string().min(1).max(128),
  asset: z.string().min(1).max(128),
  extra: z.record(z.string(), z.unknown()).nullish(),
})

const bodySchema = z.object({
  x402Version: z.number().optional(),
  paymentPayload: z.record(z.string(), z.unknown()),
  paymentRequirements: z.record(z.string(), z.unknown()),
})

/** A `/verify` or `/settle` body, checked for shape: what the caller asks about and against what. */
export interface FacilitatorAsk {
  envelope: PaymentEnvelope
  requirement: { scheme: string; network: string; asset: string; amount: string; payTo: string; extra?: Record<string, unknown> | null }
}

export type Refusal = { reason: ReasonCode; message: string }

/** Parses a request body in either generation's shape; a malformed one is `invalid_payload`. */
export function readAsk(body: unknown): FacilitatorAsk | Refusal {
  const parsed = bodySchema.safeParse(body)
  if (!parsed.success) return { reason: Reason.invalidPayload, message: describeIssues(parsed.error) }
  const { paymentPayload, paymentRequirements, x402Version } = parsed.data
  const version = paymentPayload.x402Version
  if (version !== 1 && version !== 2) return { reason: Reason.invalidVersion, message: `paymentPayload.x402Version ${JSON.stringify(version)} is not 1 or 2` }
  if (x402Version !== undefined && x402Version !== version) {
    return { reason: Reason.invalidVersion, message: `x402Version ${x402Version} differs from the payload's ${version}` }
  }
  if (version === 1) {
    const payload = envelopeV1Schema.safeParse(paymentPayload)
    const requirement = requirementV1Schema.safeParse(paymentRequirements)
    if (!payload.success) return { reason: Reason.invalidPayload, message: `paymentPayload.${describeIssues(payload.error)}` }
    if (!requirement.success) return { reason: Reason.invalidPayload, message: `paymentRequirements.${describeIssues(requirement.error)}` }
    const { scheme, network, payload: proof } = payload.data
    return {
      envelope: { x402Version: 1, scheme, network, payload: proof },
      requirement: { ...requirement.data, amount: requirement.data.maxAmountRequired },
    }
  }
  const payload = envelopeV2Schema.safeParse(paymentPayload)
  const requirement = requirementV2Schema.safeParse(paymentRequirements)
  if (!payload.success) return { reason: Reason.invalidPayload, message: `paymentPayload.${describeIssues(payload.error)}` }
  if (!requirement.success) return { reason: Reason.invalidPayload, message: `paymentRequirements.${describeIssues(requirement.error)}` }
  const { accepted, payload: proof } = payload.data
  return {
    envelope: { x402Version: 2, scheme: accepted.scheme, network: accepted.network, accepted, payload: proof },
    requirement: requirement.data,
  }
}

/** A network as the facilitator serves it: with the tokens it settles there, and no others. */
export interface ServedNetwork extends EvmNetwork {
  settles: readonly TokenInfo[]
}

/**
 * The terms a requirement states, in the official verifier's order of complaints: scheme, EIP-712
 * domain, network; then the token. Unlike the official facilitator, which calls whatever contract
 * the caller names, this one settles only the tokens it is configured for (each network's asset and
 * the `assets` option): a caller must not make it spend gas on a contract of the caller's choosing.
 * The EIP-712 domain is the configured token's, and a requirement naming another is refused.
 */
export function termsOf(ask: FacilitatorAsk, network: EvmNetwork): EvmTerms | Refusal {
  const { requirement, envelope } = ask
  if (requirement.scheme !== 'exact' || envelope.scheme !== 'exact') {
    return { reason: Reason.evmScheme, message: `scheme ${requirement.scheme} is not exact` }
  }
  const name = requirement.extra?.name
  const version = requirement.extra?.version
  if (typeof name !== 'string' || typeof version !== 'string' || !name || !version) {
    return { reason: Reason.evmMissingDomain, message: 'paymentRequirements.extra needs the token name and version' }
  }
  if (envelope.network !== requirement.network) {
    return { reason: Reason.evmNetworkMismatch, message: `payment is for ${envelope.network}, the requirement for ${requirement.network}` }
  }
  if (!isAddress(requirement.asset, { strict: false }) || !isAddress(requirement.payTo, { strict: false })) {
    return { reason: Reason.invalidPayload, message: 'paymentRequirements.asset and payTo must be EVM addresses' }
  }
  const token = settledTokens(network).find((t) => isAddressEqual(t.address, requirement.asset as `0x${string}`))
  if (!token) return { reason: Reason.evmAssetMismatch, message: `this facilitator does not settle token ${requirement.asset} on ${requirement.network}` }
  if (token.name !== name || token.version !== version) {
    return { reason: Reason.evmAssetMismatch, message: `token ${token.address} signs as ${JSON.stringify(token.name)} version ${JSON.stringify(token.version)}, not ${JSON.stringify(name)} version ${JSON.stringify(version)}` }
  }
  return {
    network,
    // Decimals only matter for parsing prices, which a facilitator never does.
    token: { address: getAddress(token.address), name: token.name, version: token.version, decimals: token.decimals },
    amount: BigInt(requirement.amount),
    payTo: getAddress(requirement.payTo),
  }
}

/** A network not built by the handler (no `settles`) settles its own asset only: closed unless told otherwise. */
export function settledTokens(network: EvmNetwork): readonly TokenInfo[] {
  const listed = (network as Partial<ServedNetwork>).settles
  if (Array.isArray(listed)) return listed
  return network.asset ? [network.asset] : []
}

export function isRefusal(value: object): value is Refusal {
  return 'reason' in value && 'message' in value
}
