import { DEFAULT_HOLD, type HoldPolicy, type PaymentPass, type SettleOutcome } from '../gate/decision.js'
import type { VerifiedPayment } from '../methods/payment-method.js'
import type { Logger } from '../logger.js'
import { EXPOSED_HEADERS } from '../protocol/wire-types.js'
import type { CredentialClaims } from './credential-keys.js'
import type { PrepaidLedger } from './prepaid-ledger.js'
import { REMAINING_HEADER } from './prepaid-options.js'

const REMAINING = REMAINING_HEADER.toLowerCase()

/**
 * A prepaid call let in: its calls were taken when the pass was granted, so settling only reports
 * what is left; a failed call (abandoned, or completed with a status >= 400) gives them back once.
 * A class rather than a literal of closures: one is built per prepaid call, the hot path.
 */
export class PrepaidPass implements PaymentPass {
  readonly type = 'pass'
  // Settled before the handler: nothing can fail after the take, so the answer need not be held
  // back; the adapter reports the final status and a failed call is given back.
  readonly policy = 'before-handler'
  readonly hold: HoldPolicy = DEFAULT_HOLD
  readonly payment: VerifiedPayment
  // ES private: a pass is handed to sellers' code, which may log it; the ledger is not theirs to see.
  readonly #credentialId: string
  readonly #remaining: number
  readonly #cost: number
  readonly #ledger: PrepaidLedger
  readonly #logger: Logger
  #givenBack = false

  constructor(claims: CredentialClaims, audience: string, remaining: number, cost: number, ledger: PrepaidLedger, logger: Logger) {
    this.#credentialId = claims.jti
    this.#remaining = remaining
    this.#cost = cost
    this.#ledger = ledger
    this.#logger = logger
    this.payment = {
      scheme: 'prepaid',
      network: 'prepaid',
      networkName: 'prepaid',
      asset: '',
      amount: '0',
      payTo: audience,
      payer: claims.sub,
      prepaid: { credentialId: claims.jti, package: claims.pkg, remaining, expiresAt: isoDate(claims.exp) },
    }
  }

  settle(): Promise<SettleOutcome> {
    return Promise.resolve({ ok: true, headers: { [REMAINING]: String(this.#remaining), 'access-control-expose-headers': EXPOSED_HEADERS } })
  }

  abandon(): Promise<void> {
    return this.#giveBack()
  }

  complete(status: number): Promise<void> {
    return status >= 400 ? this.#giveBack() : Promise.resolve()
  }

  async #giveBack(): Promise<void> {
    if (this.#givenBack) return
    this.#givenBack = true
    await this.#ledger.giveBack(this.#credentialId, this.#cost).catch((error: unknown) => {
      this.#logger.warn?.('tollgate: could not give prepaid calls back', { credentialId: this.#credentialId, calls: this.#cost, error: String(error) })
    })
  }
}

/** The last expiry formatted: a buyer spends one credential many times, and formatting a date is not free. */
let lastExp: { seconds: number; iso: string } | undefined
function isoDate(expSeconds: number): string {
  if (lastExp?.seconds !== expSeconds) lastExp = { seconds: expSeconds, iso: new Date(expSeconds * 1000).toISOString() }
  return lastExp.iso
}
