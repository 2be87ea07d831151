import { getAddress, isAddress, type Address, type Hex } from 'viem'
import { Reason } from '../../errors/reasons.js'
import { ConfigurationError } from '../../errors/tollgate-error.js'
import { parseAmount, type Price } from '../../money/parse-amount.js'
import type { EvmNetwork, TokenInfo } from '../../networks/evm-network.js'
import { tokenProblems, type NetworkRegistry } from '../../networks/resolve-network.js'
import { exactEvmPayloadSchema } from '../../protocol/payment-schemas.js'
import type { PaymentEnvelope } from '../../protocol/read-payment.js'
import { claimLifetimeMs } from '../../replay/replay-guard.js'
import type { EvmChain, EvmSettler } from '../../settlers/evm-chain.js'
import type { Inspection, PaymentMethod, RequirementPair, ResourceContext } from '../payment-method.js'
import { type EvmProof, settleAuthorization, verifyAuthorization } from './verify-authorization.js'

export interface EvmExactOptions {
  /** 'base-sepolia', 'eip155:84532' or a network defined in the gate's `networks`. */
  network: string
  /** Defaults to the gate's price. */
  amount?: Price
  /** Defaults to the gate's payTo. */
  payTo?: Address
  /** Defaults to the network's USDC. */
  asset?: TokenInfo
}

/** What a method needs from the gate that mounts it. */
export interface MethodContext {
  price?: Price
  payTo?: Address
  registry: NetworkRegistry
  settler?: EvmSettler
}

/** A payment method waiting for its gate's defaults. */
export interface MethodSpec {
  build(context: MethodContext): PaymentMethod
}

/** x402 `exact` on an EVM chain: an EIP-3009 `transferWithAuthorization` signed by the buyer. */
export function evmExact(options: EvmExactOptions): MethodSpec {
  return { build: (context) => new EvmExactMethod(options, context) }
}

/** Resolved, validated configuration of one EVM requirement. */
export interface EvmTerms {
  network: EvmNetwork
  token: TokenInfo
  amount: bigint
  payTo: Address
  chain: EvmChain
}

class EvmExactMethod implements PaymentMethod<EvmProof> {
  readonly id: string
  readonly scheme = 'exact'
  private readonly terms: EvmTerms

  constructor(options: EvmExactOptions, context: MethodContext) {
    this.terms = resolveTerms(options, context)
    const { network, token } = this.terms
    this.id = `exact:${network.caip2}:${token.address.toLowerCase()}`
  }

  requirement(resource: ResourceContext, maxTimeoutSeconds: number): RequirementPair {
    const { network, token, amount, payTo } = this.terms
    const extra = { name: token.name, version: token.version }
    const common = { scheme: 'exact', payTo, maxTimeoutSeconds, asset: token.address, extra }
    const v2 = { ...common, network: network.caip2, amount: amount.toString() }
    if (!network.v1Name) return { v2 }
    const v1 = {
      ...common,
      network: network.v1Name,
      maxAmountRequired: amount.toString(),
      resource: resource.url,
      description: resource.description,
      mimeType: resource.mimeType,
    }
    return { v1, v2 }
  }

  inspect(envelope: PaymentEnvelope, nowMs: number): Inspection<EvmProof> {
    const { network, token, amount, payTo } = this.terms
    if (envelope.scheme !== this.scheme) return { kind: 'not-mine' }
    const networkName = envelope.x402Version === 1 ? network.v1Name : network.caip2
    if (envelope.network !== networkName) return { kind: 'not-mine' }
    const accepted = envelope.accepted
    if (accepted) {
      if (!sameAddress(accepted.asset, token.address)) {
        return { kind: 'mismatch', reason: Reason.evmAssetMismatch, detail: `asset ${accepted.asset} is not ${token.address}` }
      }
      if (!sameAddress(accepted.payTo, payTo)) {
        return { kind: 'mismatch', reason: Reason.evmRecipientMismatch, detail: `payTo ${accepted.payTo} is not ${payTo}` }
      }
      if (accepted.amount !== amount.toString()) {
        return { kind: 'mismatch', reason: Reason.evmValueMismatch, detail: `amount ${accepted.amount} is not ${amount}` }
      }
    }
    const parsed = exactEvmPayloadSchema.safeParse(envelope.payload)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      return { kind: 'malformed', detail: `payload.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` }
    }
    const { authorization: a, signature } = parsed.data
    const proof: EvmProof = {
      signature: signature as Hex,
      authorization: {
        from: getAddress(a.from),
        to: getAddress(a.to),
        value: BigInt(a.value),
        validAfter: BigInt(a.validAfter),
        validBefore: BigInt(a.validBefore),
        nonce: a.nonce.toLowerCase() as Hex,
      },
    }
    // EIP-3009 nonces are scoped to (token, authorizer); the chain id keeps forks of one token apart.
    const key = `x402:evm:${network.chainId}:${token.address.toLowerCase()}:${a.from.toLowerCase()}:${proof.authorization.nonce}`
    return { kind: 'match', proof, replayKeys: [key], replayTtlMs: claimLifetimeMs(proof.authorization.validBefore, nowMs) }
  }

  verify(proof: EvmProof, envelope: PaymentEnvelope, nowMs: number) {
    return verifyAuthorization(this.terms, proof, envelope.x402Version, nowMs)
  }

  settle(proof: EvmProof) {
    return settleAuthorization(this.terms, proof)
  }
}

function resolveTerms(options: EvmExactOptions, context: MethodContext): EvmTerms {
  const where = `network ${JSON.stringify(options.network)}`
  const problems: string[] = []
  let network: EvmNetwork | undefined
  try {
    network = context.registry.resolve(options.network)
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error
    problems.push(...error.problems)
  }
  const token = options.asset ?? network?.asset
  if (network && !token) problems.push(`${where} has no default asset; give \`asset\` (address, name, version, decimals)`)
  if (options.asset) problems.push(...tokenProblems(options.asset, where))
  const payTo = options.payTo ?? context.payTo
  if (!payTo || !isAddress(payTo, { strict: false })) problems.push(`${where}: payTo ${JSON.stringify(payTo)} is not an EVM address`)
  const price = options.amount ?? context.price
  let amount: bigint | undefined
  if (price === undefined) problems.push(`${where}: no amount given`)
  else if (token && tokenProblems(token, where).length === 0) {
    try {
      amount = parseAmount(price, token.decimals)
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error
      problems.push(...error.problems.map((p) => `${where}: ${p}`))
    }
  }
  if (!context.settler) problems.push(`${where}: EVM payments need a settler (e.g. localSettler({ privateKey, rpcUrl }))`)
  if (problems.length > 0 || !network || !token || amount === undefined || !context.settler) throw new ConfigurationError(problems)
  return {
    network,
    token: { ...token, address: getAddress(token.address) },
    amount,
    payTo: getAddress(payTo as string),
    chain: context.settler.connect(network),
  }
}

function sameAddress(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}
