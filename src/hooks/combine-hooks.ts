import { HOOK_NAMES, type AuthorizeEvent, type AuthorizeVerdict, type TollgateHooks } from './hook-types.js'

type WatchingHook = Exclude<(typeof HOOK_NAMES)[number], 'authorize'>

/**
 * One hooks object from several (the seller's own, metrics, a receipts ledger, rate limits), since a
 * configuration takes one. Watching hooks all run, in order, even when an earlier one throws (the
 * first error is rethrown afterwards, so the gate logs it). `authorize` hooks run in order and the
 * first denial wins; the combined timeout is the largest one given, so no part is cut short.
 */
export function combineHooks(...parts: ReadonlyArray<TollgateHooks | undefined>): TollgateHooks {
  const present = parts.filter((p): p is TollgateHooks => p !== undefined)
  const combined: TollgateHooks = {}
  for (const name of HOOK_NAMES) {
    if (name === 'authorize') continue
    const hooks = present.map((p) => p[name as WatchingHook]).filter((h): h is (event: never) => unknown => typeof h === 'function')
    if (hooks.length === 0) continue
    ;(combined as Record<string, unknown>)[name] = (event: never) => {
      let failure: unknown
      const pending: Promise<unknown>[] = []
      for (const hook of hooks) {
        try {
          const result = hook(event)
          if (result instanceof Promise) pending.push(result)
        } catch (error) {
          failure ??= error
        }
      }
      if (failure !== undefined) throw failure
      return pending.length > 0 ? Promise.all(pending) : undefined
    }
  }
  const deciders = present.map((p) => p.authorize).filter((h): h is NonNullable<TollgateHooks['authorize']> => typeof h === 'function')
  if (deciders.length > 0) {
    combined.authorize = async (event: AuthorizeEvent): Promise<AuthorizeVerdict> => {
      for (const decide of deciders) {
        const verdict = await decide(event)
        if (verdict === false || (typeof verdict === 'object' && verdict !== null && verdict.allow === false)) return verdict
        if (verdict !== true && !(typeof verdict === 'object' && verdict !== null && verdict.allow === true)) return verdict
      }
      return true
    }
  }
  const timeouts = present.map((p) => p.authorizeTimeoutMs).filter((t): t is number => typeof t === 'number')
  if (timeouts.length > 0) combined.authorizeTimeoutMs = Math.max(...timeouts)
  return combined
}
