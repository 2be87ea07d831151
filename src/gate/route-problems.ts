import { routeSettingProblems } from '../config/validate-route.js'

/**
 * What the core itself refuses in a gate's options, whoever built them (createTollgate, or a seller
 * calling requirePayment directly with options read from JSON or the environment). A settlement
 * policy the adapters do not know would be neither held nor settled first, a pass that charges
 * nothing: the shared route checks refuse it, with a malformed `hold` and the like.
 * `resource` and `maxTimeoutSeconds` are checked by requirePayment itself.
 */
export function routeProblems(options: { description?: unknown; mimeType?: unknown; settle?: unknown; hold?: unknown; pendingPerPayer?: unknown; async?: unknown }): string[] {
  const { description, mimeType, settle, hold } = options
  const problems = routeSettingProblems({ description, mimeType, settle, hold })
  // Without a queue an 'async' pass would be served and never settled.
  if (settle === 'async' && options.async === undefined) problems.push("settle 'async' needs asyncSettlement({ queue }) in the tollgate configuration")
  const slots = options.pendingPerPayer as { acquire?: unknown; release?: unknown; limit?: unknown } | undefined
  if (slots !== undefined && (typeof slots?.acquire !== 'function' || typeof slots.release !== 'function' || typeof slots.limit !== 'number')) {
    problems.push('pendingPerPayer must be a PayerSlots (new PayerSlots(limit))')
  }
  return problems
}
