/**
 * Paths the gateway refuses before routing. The gateway matches a path one way and the upstream
 * may read it another: `/premium%2Freport` matches no paid `/premium/*` route here, while many
 * servers decode it to `/premium/report`. So any path two readers could disagree on (an encoded
 * slash or backslash, a dot segment, a NUL, a malformed escape) is refused instead of forwarded.
 */
import { gatewayAnswer, GatewayReason } from './gateway-answers.js'
import type { HttpAnswer } from '../../src/index.js'

export function pathProblem(url: string): HttpAnswer | undefined {
  const path = url.split('?', 1)[0] ?? ''
  if (!path.startsWith('/') || /%(2f|5c|00)|\\|\0/i.test(path) || /%(?![0-9a-f]{2})/i.test(path)) return gatewayAnswer(GatewayReason.ambiguousPath)
  let decoded: string
  try {
    decoded = decodeURIComponent(path)
  } catch {
    return gatewayAnswer(GatewayReason.ambiguousPath)
  }
  if (decoded.split('/').some((segment) => segment === '.' || segment === '..')) return gatewayAnswer(GatewayReason.ambiguousPath)
  return undefined
}
