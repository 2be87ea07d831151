import type { Hex } from 'viem'
import { sameAddress } from '../../../config/evm-address.js'
import { Reason, type ReasonCode } from '../../../errors/reasons.js'
import { redactUrls } from '../../../errors/redact.js'
import { ChainUnavailableError } from '../../../errors/tollgate-error.js'
import type { X402Version } from '../../../protocol/wire-types.js'
import type { Eip3009Authorization, EvmChain } from '../settler/evm-chain.js'
import type { Settlement, Verification, VerifiedPayment } from '../../../methods/payment-method.js'
import type { EvmTerms } from './evm-terms.js'
import { authorizationDigest, recoverSigner } from './recover-signer.js'
import { settlementOf } from '../settler/settlement-of.js'

export interface EvmProof {
  signature: Hex
  authorization: Eip3009Authorization
}

/** EVM terms with the chain to check and settle them on. */
export type ChainTerms = EvmTerms & { chain: EvmChain }

const SECP256K1_HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n
/** The official verifier demands this much life left in an authorization, so settlement can land. */
const VALID_BEFORE_MARGIN_SECONDS = 6n

/**
 * Verifies an EIP-3009 authorization against a route's terms, in the official x402 v2 order so a
 * payment with several faults reports the same reason the reference verifier would.
 */
export async function verifyAuthorization(
  terms: ChainTerms,
  proof: EvmProof,
  x402Version: X402Version,
  nowMs: number,
): Promise<Verification> {
  const a = proof.authorization
  try {
    if (!(await signatureIsValid(terms, proof))) return reject(Reason.evmSignature, `signature is not ${a.from}'s`)
    const refused = checkAuthorizationTerms(terms, a, nowMs)
    if (refused) return refused
    const state = await terms.chain.readAuthorizationState(terms.token.address, a.from, a.nonce)
    if (state.nonceUsed) return reject(Reason.evmNonceUsed, `nonce ${a.nonce} is already used on chain`)
    if (state.balance < a.value) {
      return reject(Reason.evmInsufficientBalance, `balance ${state.balance} is below ${a.value}`, `${a.from} holds less than the ${a.value} it authorizes`)
    }
    // Known dry: the settlement could not be sent, so no handler may run for it.
    if (await terms.chain.settlerIsDry?.()) {
      return { ok: false, status: 503, reason: Reason.settlerInsufficientGas, detail: `the settler account cannot pay gas on ${terms.network.name}` }
    }
  } catch (error) {
    if (error instanceof ChainUnavailableError) {
      return { ok: false, status: 503, reason: Reason.chainUnavailable, detail: redactUrls(error.message) }
    }
    throw error
  }
  return { ok: true, payment: verifiedPayment(terms, proof, x402Version) }
}

/**
 * The checks that need neither the chain nor the signature's validity, in the official order:
 * recipient, expiry (with the settlement margin), start, exact value. Null when all pass.
 */
export function checkAuthorizationTerms(terms: EvmTerms, a: Eip3009Authorization, nowMs: number): Verification | null {
  const now = BigInt(Math.floor(nowMs / 1000))
  if (!sameAddress(a.to, terms.payTo)) {
    return reject(Reason.evmRecipientMismatch, `pays ${a.to}, not ${terms.payTo}`, `the authorization pays ${a.to}, not this route's payTo`)
  }
  if (a.validBefore < now + VALID_BEFORE_MARGIN_SECONDS) {
    return reject(
      Reason.evmValidBefore,
      `validBefore ${a.validBefore} is less than ${VALID_BEFORE_MARGIN_SECONDS}s from now (${now})`,
      `validBefore ${a.validBefore} leaves less than ${VALID_BEFORE_MARGIN_SECONDS} s to settle`,
    )
  }
  if (a.validAfter > now) return reject(Reason.evmValidAfter, `validAfter ${a.validAfter} is after now (${now})`, `validAfter ${a.validAfter} has not been reached`)
  if (a.value !== terms.amount) {
    return reject(Reason.evmValueMismatch, `authorizes ${a.value}, the price is ${terms.amount}`, `the authorization is for ${a.value}, not this route's price`)
  }
  return null
}

/** What the handler sees of a verified EVM payment. */
export function verifiedPayment(terms: EvmTerms, proof: EvmProof, x402Version: X402Version): VerifiedPayment {
  const { network, token, payTo } = terms
  return {
    x402Version,
    scheme: 'exact',
    network: network.caip2,
    networkName: network.name,
    asset: token.address,
    amount: proof.authorization.value.toString(),
    payTo,
    payer: proof.authorization.from,
  }
}

/**
 * EOA signatures are recovered locally (no RPC). Anything else (a contract account, an ERC-6492
 * wrapped signature for a wallet not deployed yet) is asked of the chain, as ERC-1271 requires.
 */
async function signatureIsValid(terms: ChainTerms, proof: EvmProof): Promise<boolean> {
  const { signature, authorization } = proof
  const isEcdsa = signature.length === 132
  if (isEcdsa) {
    // High-s twins of valid signatures are refused on chain (EIP-2); refuse them here too.
    if (BigInt(`0x${signature.slice(66, 130)}`) > SECP256K1_HALF_ORDER) return false
    const digest = authorizationDigest(terms.token, terms.network.chainId, authorization)
    const signer = digest ? await recoverSigner(digest, signature) : undefined
    if (signer && sameAddress(signer, authorization.from)) return true
  }
  if (!isEcdsa || (await terms.chain.isContract(authorization.from))) {
    return terms.chain.verifyTypedDataOnChain({
      address: authorization.from,
      asset: terms.token.address,
      chainId: terms.network.chainId,
      tokenName: terms.token.name,
      tokenVersion: terms.token.version,
      authorization,
      signature,
    })
  }
  return false
}

/** Submits the authorization and says, on failure, whether anything may have reached the chain. */
export async function settleAuthorization(terms: ChainTerms, proof: EvmProof): Promise<Settlement> {
  const outcome = await terms.chain.transferWithAuthorization(terms.token.address, proof.authorization, proof.signature)
  return settlementOf(outcome, {
    simulated(detail) {
      const reason = revertReason(detail)
      return { reason, ...(reason === Reason.evmNonceUsed ? { publicDetail: `nonce ${proof.authorization.nonce} is already used or canceled` } : {}) }
    },
    reverted: Reason.evmTransactionFailed,
  })
}

/** Names a simulated revert the way the official facilitator does, from the token's revert message. */
function revertReason(detail: string): ReasonCode {
  if (/authorization.*(used|canceled)|AuthorizationUsed/i.test(detail)) return Reason.evmNonceUsed
  if (/exceeds balance|insufficient.*balance/i.test(detail)) return Reason.evmInsufficientBalance
  if (/authorization.*expired/i.test(detail)) return Reason.evmValidBefore
  if (/not yet valid/i.test(detail)) return Reason.evmValidAfter
  if (/invalid signature|invalid s\b/i.test(detail)) return Reason.evmSignature
  return Reason.evmSimulationFailed
}

/** `publicDetail` defaults to `detail` where that is built from the buyer's proof alone. */
function reject(reason: ReasonCode, detail: string, publicDetail = detail): Verification {
  return { ok: false, status: 402, reason, detail, publicDetail }
}
