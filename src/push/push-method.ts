import { Reason, type ReasonCode } from '../errors/reasons.js'
import { redactUrls } from '../errors/redact.js'
import { ChainUnavailableError } from '../errors/tollgate-error.js'
import type { TermsChange } from '../gate/dynamic-terms.js'
import type { Inspection, PaymentMethod, RequirementPair, ResourceContext, Settlement, Verification } from '../methods/payment-method.js'
import { formatAmount } from '../money/parse-amount.js'
import type { PaymentEnvelope } from '../protocol/read-payment.js'
import type { PushCredentials } from './authorization-header.js'
import { pushBindingMessage } from './binding-message.js'
import type { PushChain, PushCredit, PushSettings } from './push-chain.js'
import { pushChallenge } from './push-challenge.js'
import { PUSH_SCHEME, type PushPayload } from './read-push.js'

export interface PushProof {
  /** Canonical for its family: the replay key's form, and the one the binding message names. */
  hash: string
  credentials: PushCredentials
  httpMethod: string
}

const MINUTE_MS = 60_000

/**
 * A payment the buyer pushed on chain first and proves by its transaction hash. The hash is
 * claimed before the chain is read; the claim is kept whenever the chain proves the transaction can
 * never pay this route (failed, too old, wrong recipient, token or amount) and after it paid, and
 * released only when the answer can change: not found or not confirmed yet, a presenter who is not
 * the payer (the payer may still come), or a chain that could not answer.
 */
export class PushMethod implements PaymentMethod<PushProof> {
  readonly id: string
  readonly scheme = PUSH_SCHEME
  /** Nothing on chain remembers that a transfer was presented: only the claim does. */
  readonly settledClaim = 'keep' as const

  constructor(
    private readonly chain: PushChain,
    private readonly settings: PushSettings,
  ) {
    this.id = `push:${chain.network.caip2}:${chain.asset}`
  }

  requirement(resource: ResourceContext, maxTimeoutSeconds: number): RequirementPair {
    const { network, asset, amount, payTo } = this.chain
    // Never shown to x402 clients (push methods stay out of `accepts`); verification reads the resource from it.
    return { v2: { scheme: PUSH_SCHEME, network: network.caip2, asset, amount: amount.toString(), payTo, maxTimeoutSeconds, extra: { resource: resource.url } } }
  }

  wwwAuthenticate(): string {
    const { network, tokenLabel, amount, decimals, payTo, asset, signatureKind } = this.chain
    return pushChallenge({
      chain: network.v1Name ?? network.name,
      token: tokenLabel,
      amount: formatAmount(amount, decimals),
      address: payTo,
      asset,
      ...(this.settings.binding === 'signature' ? { binding: signatureKind } : {}),
      max_age: String(this.settings.maxAgeSeconds),
    })
  }

  priced(change: TermsChange): PushMethod {
    return new PushMethod(this.chain.priced(change), this.settings)
  }

  inspect(envelope: PaymentEnvelope): Inspection<PushProof> {
    if (envelope.scheme !== PUSH_SCHEME) return { kind: 'not-mine' }
    const { credentials, httpMethod } = envelope.payload as PushPayload
    const { network } = this.chain
    if (credentials.chain !== undefined && ![network.name, network.v1Name, network.caip2].includes(credentials.chain)) return { kind: 'not-mine' }
    const hash = this.chain.canonicalHash(credentials.txHash)
    if (hash === null) return { kind: 'not-mine' }
    if (credentials.payer !== undefined && this.chain.canonicalAddress(credentials.payer) === null) {
      return { kind: 'malformed', detail: `payer_address is not a ${this.chain.family} address` }
    }
    if (credentials.signature !== undefined && !this.chain.signatureShape(credentials.signature)) {
      return { kind: 'malformed', detail: `signature is not a ${this.chain.family} signature` }
    }
    return {
      kind: 'match',
      proof: { hash, credentials, httpMethod },
      replayKeys: [`x402:push:${network.caip2}:${hash}`],
      // Past maxAge the chain's block time refuses the transaction by itself; the margin covers clock skew.
      replayTtlMs: this.settings.maxAgeSeconds * 1000 + 10 * MINUTE_MS,
    }
  }

  async verify(proof: PushProof, _envelope: PaymentEnvelope, nowMs: number, requirement: RequirementPair): Promise<Verification> {
    try {
      return await this.check(proof, nowMs, requirement)
    } catch (error) {
      if (!(error instanceof ChainUnavailableError)) throw error
      return { ok: false, status: 503, reason: Reason.chainUnavailable, detail: redactUrls(error.message) }
    }
  }

  private async check(proof: PushProof, nowMs: number, requirement: RequirementPair): Promise<Verification> {
    const { chain, settings } = this
    const reading = await chain.read(proof.hash)
    if (reading.state === 'not-found') {
      const refusal = refuse(Reason.pushNotFound, `transaction ${proof.hash} is not known on ${chain.network.name}`, { release: true })
      return reading.retryAfterSeconds === undefined ? refusal : { ...refusal, retryAfterSeconds: reading.retryAfterSeconds }
    }
    if (reading.state === 'pending') {
      return { ...refuse(Reason.pushNotConfirmed, reading.detail, { release: true }), retryAfterSeconds: reading.retryAfterSeconds }
    }
    if (reading.state === 'failed') return refuse(Reason.pushFailed, reading.detail)
    const { credits } = reading
    if (credits.length === 0) return refuse(Reason.pushNoTransfer, 'the transaction moved no token')

    // Binding first: a presenter who is not the payer learns nothing more and leaves the hash free for the payer.
    const senders = [...new Set(credits.flatMap((c) => c.from))]
    let payer: string | undefined
    if (settings.binding === 'signature') {
      const signature = proof.credentials.signature
      if (signature === undefined) {
        return refuse(Reason.pushBindingRequired, 'this seller needs the paying key to sign the request: send signature="…" (see the challenge)', { release: true })
      }
      const message = pushBindingMessage({ chain: chain.network.caip2, transaction: proof.hash, method: proof.httpMethod, resource: resourceOf(requirement) })
      const signer = await chain.signer(message, signature, senders)
      if (signer === null) return refuse(Reason.pushBindingInvalid, 'the signature is not by a key that paid in this transaction, for this request', { release: true, status: 403 })
      payer = signer
    }
    if (proof.credentials.payer !== undefined) {
      const named = chain.canonicalAddress(proof.credentials.payer)
      if (named === null || !senders.includes(named) || (payer !== undefined && payer !== named)) {
        return refuse(Reason.pushPayerMismatch, `payer_address ${proof.credentials.payer} did not pay in this transaction`, { release: true, status: 403 })
      }
      payer = named
    }

    const ageSeconds = Math.floor(nowMs / 1000) - reading.timestamp
    if (ageSeconds > settings.maxAgeSeconds) {
      return refuse(Reason.pushTooOld, `the transaction is ${ageSeconds} s old; this seller takes transactions up to ${settings.maxAgeSeconds} s old`)
    }
    const toPayTo = credits.filter((c) => c.to === chain.payTo)
    if (toPayTo.length === 0) return refuse(Reason.pushRecipientMismatch, `the transaction pays nothing to ${chain.payTo}`)
    const paid = toPayTo.filter((c) => c.asset === chain.asset)
    if (paid.length === 0) return refuse(Reason.pushAssetMismatch, `the transaction pays ${chain.payTo} in another token than ${chain.asset}`)
    const counted = payer === undefined ? paid : paid.filter((c) => c.from.includes(payer as string))
    const amount = counted.reduce((sum, c) => sum + c.amount, 0n)
    if (amount < chain.amount) {
      return refuse(Reason.pushInsufficient, `the transaction pays ${formatAmount(amount, chain.decimals)}; the price is ${formatAmount(chain.amount, chain.decimals)}`)
    }
    return {
      ok: true,
      payment: {
        scheme: PUSH_SCHEME,
        network: chain.network.caip2,
        networkName: chain.network.name,
        asset: chain.asset,
        amount: amount.toString(),
        payTo: chain.payTo,
        payer: payer ?? largestSender(counted),
        transaction: proof.hash,
      },
    }
  }

  /** The buyer paid before asking: there is nothing left to send. */
  async settle(proof: PushProof): Promise<Settlement> {
    return { ok: true, transaction: proof.hash }
  }
}

function resourceOf(requirement: RequirementPair): string {
  const resource = requirement.v2.extra?.resource
  if (typeof resource !== 'string') throw new Error('tollgate: a push requirement lost its resource')
  return resource
}

function largestSender(credits: readonly PushCredit[]): string {
  const biggest = credits.reduce((a, b) => (b.amount > a.amount ? b : a))
  return biggest.from[0] ?? ''
}

/**
 * A refusal built from the chain's answer about the buyer's own transaction (safe to show). The
 * claim is kept unless `release`: the transaction can never pay this route, so it is not read again.
 */
function refuse(reason: ReasonCode, detail: string, opts: { release?: boolean; status?: 402 | 403 } = {}): Extract<Verification, { ok: false }> {
  return { ok: false, status: opts.status ?? 402, reason, detail, publicDetail: detail, ...(opts.release ? {} : { keepClaim: true }) }
}
