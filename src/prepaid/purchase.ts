import { Reason, reasonMessages, type ReasonCode } from '../errors/reasons.js'
import { StoreUnavailableError } from '../errors/tollgate-error.js'
import type { HttpAnswer } from '../gate/decision.js'
import type { PaymentGate } from '../gate/require-payment.js'
import type { RequestLike } from '../http/request-like.js'
import type { GateEvents } from '../hooks/gate-events.js'
import type { Logger } from '../logger.js'
import { EXPOSED_HEADERS } from '../protocol/wire-types.js'
import type { KeyRing } from './credential-keys.js'
import type { PrepaidLedger, PurchaseRecord } from './prepaid-ledger.js'
import type { PrepaidPackage } from './prepaid-options.js'

export interface PurchaseContext {
  packages: ReadonlyMap<string, { pkg: PrepaidPackage; gate: PaymentGate }>
  keys: KeyRing
  ledger: PrepaidLedger
  audience: string
  logger: Logger
  clock: () => number
  events: GateEvents
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'access-control-expose-headers': EXPOSED_HEADERS }

/**
 * Sells a package: the purchase is a paid request like any other (same challenge, verification,
 * replay guard), settled before the credential is issued, to the verified payer only.
 *
 * A settled authorization is public on chain, so anyone can rebuild its payment header. Re-issuing
 * the credential to whoever presents it again would hand the credential to any chain observer:
 * a repeat gets the same credential only with the Idempotency-Key of the original purchase.
 */
export async function purchase(request: RequestLike, body: unknown, context: PurchaseContext): Promise<HttpAnswer> {
  if (request.method === 'OPTIONS') {
    // A CORS preflight names no package; every package's gate answers it alike.
    const [first] = context.packages.values()
    if (first) {
      const decision = await first.gate.evaluate(request)
      if (decision.type === 'preflight') return decision
    }
  }
  const id = packageIdOf(request.url, body)
  const entry = id === null ? undefined : context.packages.get(id)
  if (!entry) {
    return answer(400, { error: Reason.unknownPackage, message: reasonMessages.unknown_package, packages: [...context.packages.keys()] })
  }
  const idempotencyKey = request.headers.get('idempotency-key')
  if (idempotencyKey !== null && (idempotencyKey.length < 16 || idempotencyKey.length > 200)) {
    return answer(400, { error: Reason.invalidIdempotencyKey, message: reasonMessages.invalid_idempotency_key })
  }
  const keyHash = idempotencyKey === null ? null : await sha256(idempotencyKey)
  const paymentKey = entry.gate.identify(request)?.join('|') ?? null

  try {
    if (paymentKey !== null && keyHash !== null) {
      const previous = await context.ledger.purchase(paymentKey)
      if (previous && previous.idempotencyKeyHash === keyHash) return issued(previous, {})
    }
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error
    return failure(503, Reason.storeUnavailable)
  }

  const decision = await entry.gate.evaluate(request)
  if (decision.type !== 'pass') return { status: decision.status, headers: decision.headers, body: decision.body }
  const bound = await bindToKey(decision.resumed === true, paymentKey, keyHash, context)
  if (bound !== 'ok') {
    await decision.abandon()
    return bound === 'store-down'
      ? failure(503, Reason.storeUnavailable)
      : answer(409, { error: Reason.replayed, message: 'This purchase was paid; present it with the Idempotency-Key of the original purchase to get its credential.' })
  }
  const outcome = await decision.settle()
  if (!outcome.ok) return { status: outcome.status, headers: outcome.headers, body: outcome.body }

  const nowMs = context.clock()
  const { pkg } = entry
  const iat = Math.floor(nowMs / 1000)
  const exp = iat + Math.round(pkg.days * 86_400)
  const credentialId = randomId()
  const buyer = decision.payment.payer
  const credential = context.keys.sign({ jti: credentialId, sub: buyer, aud: context.audience, pkg: pkg.id, calls: pkg.calls, iat, exp })
  const record: PurchaseRecord = {
    credential,
    credentialId,
    package: pkg.id,
    calls: pkg.calls,
    expiresAt: new Date(exp * 1000).toISOString(),
    idempotencyKeyHash: keyHash ?? '',
  }
  // The buyer has paid: failing to remember the purchase must not withhold what it bought.
  try {
    await context.ledger.saveCredential({ id: credentialId, buyer, package: pkg.id, calls: pkg.calls, expiresAt: exp * 1000 }, nowMs)
    if (paymentKey !== null && keyHash !== null) await context.ledger.savePurchase(paymentKey, record, exp * 1000, nowMs)
  } catch (error) {
    context.logger.error?.('tollgate: could not record a prepaid purchase', { credentialId, error: String(error) })
  }
  context.logger.info?.('tollgate: prepaid package sold', { credentialId, buyer, package: pkg.id, transaction: decision.payment.transaction })
  context.events.prepaid({
    kind: 'issued',
    credentialId,
    package: pkg.id,
    buyer,
    calls: pkg.calls,
    expiresAt: record.expiresAt,
    ...(decision.payment.transaction ? { transaction: decision.payment.transaction } : {}),
    ...(paymentKey !== null ? { paymentKey } : {}),
  })
  return issued(record, outcome.headers)
}

/**
 * A first presentation records its Idempotency-Key hash before settling; a resumed one (charged by an
 * earlier presentation whose outcome was unknown) must carry the same key, since a chain observer can
 * rebuild the payment itself. A purchase made without a key has nothing to check against.
 */
async function bindToKey(resumed: boolean, paymentKey: string | null, keyHash: string | null, context: PurchaseContext): Promise<'ok' | 'wrong-key' | 'store-down'> {
  if (paymentKey === null) return 'ok'
  try {
    if (!resumed) {
      if (keyHash !== null) await context.ledger.bindPurchase(paymentKey, keyHash, context.clock())
      return 'ok'
    }
    const binding = await context.ledger.purchaseBinding(paymentKey)
    return binding === null || binding === keyHash ? 'ok' : 'wrong-key'
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error
    return 'store-down'
  }
}

function issued(record: PurchaseRecord, settlementHeaders: Record<string, string>): HttpAnswer {
  const { credential, credentialId, package: pkg, calls, expiresAt } = record
  return answer(201, { credential, credentialId, package: pkg, calls, expiresAt }, settlementHeaders)
}

/** The package id from `?package=` or a JSON body `{ "package": "…" }`. */
function packageIdOf(url: string, body: unknown): string | null {
  const fromQuery = new URL(url).searchParams.get('package')
  if (fromQuery) return fromQuery
  if (body && typeof body === 'object' && typeof (body as { package?: unknown }).package === 'string') {
    return (body as { package: string }).package
  }
  return null
}

function failure(status: number, reason: ReasonCode): HttpAnswer {
  return answer(status, { error: reason, message: reasonMessages[reason] })
}

function answer(status: number, body: unknown, extraHeaders: Record<string, string> = {}): HttpAnswer {
  return { status, headers: { ...JSON_HEADERS, ...extraHeaders }, body }
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}
