import { redactUrls } from '../errors/redact.js'
import type { FacilitatorClient } from './http-facilitator.js'
import { supportsKind, type FacilitatorRequest, type VerifyResponse } from './facilitator-wire.js'

export type FailoverVerdict =
  /** A facilitator gave a verdict; settle through the same one. */
  | { kind: 'answer'; facilitator: FacilitatorClient; response: VerifyResponse }
  /** None could give one: each was unreachable, answered badly, or does not support the kind. */
  | { kind: 'unavailable'; detail: string }

/**
 * Asks the facilitators in order for a verdict. The next one is tried only when the previous gave
 * none (down, slow, 5xx, garbage, kind not supported); a verdict, `isValid: false` included, ends
 * the search: a refusal is an answer, and shopping for a facilitator that says yes would be wrong.
 */
export async function verifyWithFailover(facilitators: readonly FacilitatorClient[], request: FacilitatorRequest): Promise<FailoverVerdict> {
  const kind = {
    x402Version: request.x402Version,
    scheme: request.paymentRequirements.scheme,
    network: request.paymentRequirements.network,
  }
  const problems: string[] = []
  for (const facilitator of facilitators) {
    // /supported is read lazily and cached, so a facilitator that was down at start is simply asked again now.
    const supported = await facilitator.supported()
    if (!supported.ok) {
      problems.push(supported.detail)
      continue
    }
    if (!supportsKind(supported.value, kind)) {
      problems.push(`${facilitator.url} does not support ${kind.scheme} on ${kind.network} (x402 v${kind.x402Version})`)
      continue
    }
    const verdict = await facilitator.verify(request)
    if (verdict.ok) return { kind: 'answer', facilitator, response: verdict.value }
    problems.push(verdict.detail)
  }
  // httpFacilitator's details are scrubbed already; a client of another make may not be so careful.
  return { kind: 'unavailable', detail: redactUrls(problems.join('; ')) }
}
