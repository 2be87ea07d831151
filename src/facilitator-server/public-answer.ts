import { redactUrls } from '../errors/redact.js'
import { Reason, reasonMessages } from '../errors/reasons.js'
import type { Logger } from '../logger.js'

/**
 * Refusals whose message is built from the caller's own request (its shape, its requirement, the
 * buyer's signed authorization), so it may go back to the caller, who may show it to a buyer.
 */
const FROM_THE_REQUEST = new Set<string>([
  Reason.invalidPayload,
  Reason.invalidVersion,
  Reason.invalidNetwork,
  Reason.evmScheme,
  Reason.evmMissingDomain,
  Reason.evmNetworkMismatch,
  Reason.evmAssetMismatch,
  Reason.evmSignature,
  Reason.evmRecipientMismatch,
  Reason.evmValidBefore,
  Reason.evmValidAfter,
  Reason.evmValueMismatch,
  Reason.replayed,
])
const MAX_MESSAGE_LENGTH = 300
/** The official facilitator's name for a broadcast whose receipt has not been seen (not a tollgate reason). */
const PENDING_MESSAGE = 'The settlement transaction was sent; its receipt has not been seen yet. Ask again with the same payment.'
const GENERIC_MESSAGE = 'The facilitator could not complete this request.'

interface Refusal {
  isValid?: boolean
  success?: boolean
  invalidReason?: string
  invalidMessage?: string
  errorReason?: string
  errorMessage?: string
}

/**
 * The answer as it may leave the facilitator. A message that may quote a node, the store or the
 * RPC endpoint (anything past the request's own checks, or any text shaped like an upstream error:
 * several lines, a URL, a long dump) is replaced by the reason's fixed text; the original goes to
 * the log, its URLs cut to scheme and host.
 */
export function publicAnswer<T>(route: string, status: number, body: T, caller: string, logger: Logger): T {
  const answer = body as Refusal
  const field = answer.isValid === false ? 'invalidMessage' : answer.success === false ? 'errorMessage' : undefined
  if (!field) return body
  const reason = (field === 'invalidMessage' ? answer.invalidReason : answer.errorReason) ?? ''
  const message = answer[field]
  const log = status >= 500 ? logger.warn : logger.info
  log?.call(logger, `tollgate facilitator: ${route} refused`, { caller, status, reason, detail: redactUrls(message ?? '') })
  if (message === undefined || (FROM_THE_REQUEST.has(reason) && looksOwn(message))) return body
  const fixed = reason === 'settlement_pending' ? PENDING_MESSAGE : (reasonMessages as Record<string, string>)[reason] ?? GENERIC_MESSAGE
  return { ...body, [field]: fixed }
}

/** One short line with no URL in it: what the request's own checks write; upstream errors never look like that. */
function looksOwn(message: string): boolean {
  return message.length <= MAX_MESSAGE_LENGTH && !/[\r\n]/.test(message) && redactUrls(message) === message
}
