import type { ReasonCode } from '../../../errors/reasons.js'
import { Reason } from '../../../errors/reasons.js'
import { redactUrls } from '../../../errors/redact.js'
import type { Settlement } from '../../../methods/payment-method.js'
import type { TransferOutcome } from './evm-chain.js'

/** How one kind of EVM settlement names a refusal: what a simulated revert means, and a reverted transaction. */
export interface RefusalNames {
  simulated(detail: string): { reason: ReasonCode; publicDetail?: string }
  reverted: ReasonCode
}

/**
 * The settlement a send's outcome proves, under the truth rules shared by every EVM settlement: only a
 * refusal before broadcast (simulation, no gas, endpoint refused) may release the payment's claim.
 */
export function settlementOf(outcome: TransferOutcome, names: RefusalNames): Settlement {
  if (outcome.ok) return { ok: true, transaction: outcome.transaction }
  // Chain and node text may hold endpoint URLs: the detail goes to logs, redacted all the same.
  const detail = redactUrls(outcome.detail)
  switch (outcome.stage) {
    case 'simulation': {
      const { reason, publicDetail } = names.simulated(detail)
      return { ok: false, status: 402, reason, detail, broadcast: false, ...(publicDetail ? { publicDetail } : {}) }
    }
    case 'reverted':
      return { ok: false, status: 402, reason: names.reverted, detail, broadcast: true, transaction: outcome.transaction }
    case 'insufficient-gas':
      return { ok: false, status: 503, reason: Reason.settlerInsufficientGas, detail, broadcast: false }
    case 'unavailable':
      return {
        ok: false,
        status: 503,
        reason: outcome.broadcast ? Reason.settlementUnknown : Reason.chainUnavailable,
        detail,
        broadcast: outcome.broadcast,
        ...(outcome.transaction ? { transaction: outcome.transaction } : {}),
      }
  }
}
