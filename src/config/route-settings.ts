/**
 * Turns checked route options into what the gate takes. Only settings that passed their check are
 * carried over: a bad one is already reported, and leaving it out keeps the same mistake from being
 * reported twice in different words when the gate is built.
 */
import type { DiscoveryOptions } from '../discovery/bazaar.js'
import type { HoldPolicy } from '../gate/decision.js'
import { DEFAULT_PREPAID_SCOPE, type PrepaidScope } from '../gate/prepaid-acceptor.js'
import { isRecord } from './config-shape.js'
import { routeSettingProblems } from './validate-route.js'

const PASSED_THROUGH = ['description', 'mimeType', 'resource', 'maxTimeoutSeconds', 'settle', 'discovery', 'maxBodyBytes'] as const

export interface RouteSettings {
  description?: string
  mimeType?: string
  resource?: string
  maxTimeoutSeconds?: number
  settle?: 'after-handler' | 'before-handler' | 'async'
  hold?: Partial<HoldPolicy>
  discovery?: DiscoveryOptions
  maxBodyBytes?: number
}

/** The route's settings over the tollgate's defaults; `hold` is merged field by field. */
export function routeSettings(options: Record<string, unknown>, defaults: Record<string, unknown>): RouteSettings {
  const settings: Record<string, unknown> = {}
  for (const key of PASSED_THROUGH) {
    const value = options[key] !== undefined ? options[key] : defaults[key]
    if (value !== undefined && routeSettingProblems({ [key]: value }).length === 0) settings[key] = value
  }
  const hold = { ...validHold(defaults.hold), ...validHold(options.hold) }
  if (Object.keys(hold).length > 0) settings.hold = hold
  return settings as RouteSettings
}

/** What a route's `prepaid` option asks for: nothing (absent, false, or malformed: reported elsewhere), or a scope. */
export function prepaidScopeOf(prepaid: unknown): PrepaidScope | undefined {
  if (prepaid === true) return DEFAULT_PREPAID_SCOPE
  if (!isRecord(prepaid) || routeSettingProblems({ prepaid }).length > 0) return undefined
  return {
    cost: (prepaid.cost as number | undefined) ?? 1,
    ...(prepaid.packages ? { packages: Object.freeze([...(prepaid.packages as string[])]) } : {}),
  }
}

function validHold(hold: unknown): Partial<HoldPolicy> {
  if (!isRecord(hold) || routeSettingProblems({ hold }).length > 0) return {}
  return Object.fromEntries(Object.entries(hold).filter(([, value]) => value !== undefined)) as Partial<HoldPolicy>
}
