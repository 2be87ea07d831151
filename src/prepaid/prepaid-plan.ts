import { ConfigurationError, ProblemList } from '../errors/tollgate-error.js'
import type { HttpAnswer } from '../gate/decision.js'
import type { PrepaidAcceptor, PrepaidScope } from '../gate/prepaid-acceptor.js'
import type { PaymentGate } from '../gate/require-payment.js'
import type { RequestLike } from '../http/request-like.js'
import { createGateEvents } from '../hooks/gate-events.js'
import type { TollgateHooks } from '../hooks/hook-types.js'
import type { Logger } from '../logger.js'
import type { Store } from '../stores/store.js'
import type { AcceptOption, PaywallOptions } from '../tollgate.js'
import { isRecord } from '../config/config-shape.js'
import { packageShapeProblems, prepaidOptionProblems } from './prepaid-options-check.js'
import { KeyRing } from './credential-keys.js'
import { listPackages } from './package-list.js'
import { PrepaidLedger } from './prepaid-ledger.js'
import { DEFAULT_PREPAID_HEADER, type PrepaidOptions, type PrepaidPackage } from './prepaid-options.js'
import { purchase } from './purchase.js'
import { spendCredential } from './spend-credential.js'

export interface CredentialStatus {
  id: string
  buyer: string
  package: string
  calls: number
  used: number
  remaining: number
  expiresAt: string
  revoked: boolean
}

/** Prepaid packages as a seller operates them: sell, spend, list, revoke, inspect. */
export interface PrepaidPlan extends PrepaidAcceptor {
  /** Where the packages list and purchase endpoint are mounted, e.g. '/prepaid'. */
  readonly path: string
  /** Whether `route()` answers this request: `GET <path>/packages`, `POST <path>/purchase` or its preflight. */
  handles(method: string, pathname: string): boolean
  /** Answers the requests `handles()` accepts (the body is the parsed JSON body, if any): one call mounts both endpoints. */
  route(request: RequestLike, body?: unknown): Promise<HttpAnswer | null>
  /**
   * Problems with a route's prepaid scope: package ids this plan does not sell, and a cost no
   * accepted package could ever pay (more calls than it holds).
   */
  scopeProblems(scope: PrepaidScope): string[]
  revoke(credentialId: string): Promise<void>
  /** What the seller knows of a credential it issued; null when it never issued it (or it is long gone). */
  status(credentialId: string): Promise<CredentialStatus | null>
}

export interface PrepaidDependencies {
  /** Bounded store shared with the replay guard, so a purchase and a per-call payment can never share an authorization. */
  store: Store
  payTo: string
  /** Builds a paid route like `paywall()` does: the purchase endpoint is one per package. */
  route(options: PaywallOptions): PaymentGate
  logger: Logger
  clock: () => number
  /**
   * The tollgate configuration's hooks: they hear credentials issued and revoked (route: the plan's
   * path), and spends on routes that pass no hooks sink of their own.
   */
  hooks?: TollgateHooks
}

const PACKAGE_ID = /^[A-Za-z0-9._-]{1,64}$/

export function createPrepaidPlan(options: PrepaidOptions, deps: PrepaidDependencies): PrepaidPlan {
  const problems = new ProblemList()
  const shape = prepaidOptionProblems(options)
  if (!isRecord(options)) throw new ConfigurationError(shape)
  shape.forEach((problem) => problems.add(problem))
  const keyList = options.keys ?? (options.secret !== undefined ? [{ id: 'default', secret: options.secret }] : [])
  const keys = keysUsable(options) ? problems.collect(() => new KeyRing(keyList)) : undefined
  if (options.secret !== undefined && options.keys) problems.add('prepaid: give either `secret` or `keys`, not both')
  const path = normalizePath(typeof options.path === 'string' ? options.path : '/prepaid')
  const header = options.header ?? DEFAULT_PREPAID_HEADER
  const audience = options.audience ?? `tollgate:${deps.payTo.toLowerCase()}`
  const packages = new Map<string, { pkg: PrepaidPackage; gate: PaymentGate }>()
  if (!Array.isArray(options.packages) || options.packages.length === 0) problems.add('prepaid: define at least one package')
  const seen = new Set<string>()
  const list: unknown[] = Array.isArray(options.packages) ? options.packages : []
  list.forEach((entry, index) => {
    const where = `prepaid package ${isRecord(entry) && typeof entry.id === 'string' ? JSON.stringify(entry.id) : `#${index + 1}`}`
    const malformed = packageShapeProblems(entry, where)
    malformed.forEach((problem) => problems.add(problem))
    if (!isRecord(entry)) return
    const pkg = entry as unknown as PrepaidPackage
    if (typeof pkg.id !== 'string' || !PACKAGE_ID.test(pkg.id)) problems.add(`${where}: id must be 1-64 letters, digits, '.', '_' or '-'`)
    else if (seen.has(pkg.id)) problems.add(`${where}: id is used twice`)
    seen.add(pkg.id)
    if (!Number.isSafeInteger(pkg.calls) || pkg.calls < 1) problems.add(`${where}: calls must be a positive integer`)
    if (typeof pkg.days !== 'number' || !Number.isFinite(pkg.days) || pkg.days <= 0 || pkg.days > 3650) problems.add(`${where}: days must be a number above 0 (at most 3650)`)
    if (malformed.length > 0) return
    const several = Array.isArray(pkg.price)
    const accepts = several ? (pkg.price as AcceptOption[]) : [pkg.price as AcceptOption]
    const description = typeof pkg.description === 'string' ? pkg.description : `${pkg.calls} calls within ${pkg.days} days (${pkg.id})`
    // The purchase route's problems are about this package's price: say so.
    const gate = problems.collect(() => {
      try {
        return deps.route({ accepts, settle: 'before-handler', description })
      } catch (error) {
        if (!(error instanceof ConfigurationError)) throw error
        const price = (p: string) => (several ? p.replace(/^accepts/, 'price') : p.replace(/^accepts\[0\]/, 'price'))
        throw new ConfigurationError(error.problems.map((p) => `${where}: ${price(p)}`))
      }
    })
    if (gate) packages.set(pkg.id, { pkg, gate })
  })
  problems.throwIfAny()
  if (!keys) throw new ConfigurationError(['prepaid: no signing key'])

  const ledger = new PrepaidLedger(deps.store)
  const events = createGateEvents({ hooks: deps.hooks, route: path || '/', logger: deps.logger })
  const context = { keys, ledger, audience, logger: deps.logger, clock: deps.clock, events }
  const urlOf = (requestUrl: string, suffix: string) => new URL(`${path}${suffix}`, requestUrl).toString()
  const longestDays = Math.max(...[...packages.values()].map((p) => p.pkg.days))

  return {
    path,
    header,
    discovery(requestUrl, scope) {
      const prepaid = {
        packages: urlOf(requestUrl, '/packages'),
        purchase: urlOf(requestUrl, '/purchase'),
        header,
        // Only what differs from a plain prepaid route, so buyers know a call here spends more, or needs another package.
        ...(scope && scope.cost !== 1 ? { cost: scope.cost } : {}),
        ...(scope?.packages ? { acceptedPackages: [...scope.packages] } : {}),
      }
      return { extensions: { prepaid }, v1: { prepaid } }
    },
    spend: (credential, challenge, scope, routeEvents) => spendCredential(credential, context, challenge, scope, routeEvents ?? events),
    scopeProblems(scope) {
      const problems: string[] = []
      const unknown = (scope.packages ?? []).filter((id) => !packages.has(id))
      if (unknown.length > 0) {
        problems.push(`prepaid.packages: ${unknown.map((id) => JSON.stringify(id)).join(', ')} ${unknown.length === 1 ? 'is not a package' : 'are not packages'}; packages: ${[...packages.keys()].join(', ')}`)
      }
      const accepted = scope.packages ? scope.packages.filter((id) => packages.has(id)) : [...packages.keys()]
      const short = accepted.filter((id) => (packages.get(id)?.pkg.calls ?? 0) < scope.cost)
      // Listed explicitly, each package must be able to pay; with every package accepted, at least one must.
      if (short.length > 0 && (scope.packages || short.length === accepted.length)) {
        problems.push(`prepaid.cost ${scope.cost} is more calls than package ${short.map((id) => JSON.stringify(id)).join(', ')} holds: its credentials could never pay here`)
      }
      return problems
    },
    handles: (method, pathname) => endpointOf(method, pathname, path) !== null,
    async route(request, body) {
      const endpoint = endpointOf(request.method, new URL(request.url).pathname, path)
      if (endpoint === 'packages') return listPackages(packages, { header, purchaseUrl: urlOf(request.url, '/purchase') })
      if (endpoint === 'purchase') return purchase(request, body, { ...context, packages })
      return null
    },
    async revoke(credentialId) {
      const record = await ledger.credential(credentialId)
      const nowMs = deps.clock()
      await ledger.revoke(credentialId, record?.expiresAt ?? nowMs + longestDays * 86_400_000, nowMs)
      events.prepaid({ kind: 'revoked', credentialId })
    },
    async status(credentialId) {
      const record = await ledger.credential(credentialId)
      if (!record) return null
      const used = await ledger.used(credentialId)
      return {
        id: record.id,
        buyer: record.buyer,
        package: record.package,
        calls: record.calls,
        used,
        remaining: Math.max(record.calls - used, 0),
        expiresAt: new Date(record.expiresAt).toISOString(),
        revoked: await ledger.isRevoked(credentialId),
      }
    },
  }
}

/** Which endpoint a request is for: from the method and pathname only, since adapters ask on every request. */
function endpointOf(method: string, pathname: string, path: string): 'packages' | 'purchase' | null {
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.replace(/\/+$/, '') : pathname
  if (trimmed === `${path}/packages` && (method === 'GET' || method === 'HEAD')) return 'packages'
  if (trimmed === `${path}/purchase` && (method === 'POST' || method === 'OPTIONS')) return 'purchase'
  return null
}

/** Whether the secret and keys have shapes KeyRing can read (their problems are reported by the shape check). */
function keysUsable(options: PrepaidOptions): boolean {
  const isSecret = (secret: unknown) => typeof secret === 'string' || secret instanceof Uint8Array
  if (options.secret !== undefined && !isSecret(options.secret)) return false
  return options.keys === undefined || (Array.isArray(options.keys) && options.keys.every((key) => isRecord(key) && isSecret(key.secret)))
}

function normalizePath(path: string): string {
  const trimmed = `/${path.replace(/^\/+|\/+$/g, '')}`
  return trimmed === '/' ? '' : trimmed
}
