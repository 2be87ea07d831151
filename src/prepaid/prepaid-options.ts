import type { AcceptOption } from '../tollgate.js'

/** A signing key for credentials. Several let a seller rotate without voiding live credentials. */
export interface CredentialKey {
  id: string
  /** At least 32 bytes of secret (a string is taken as UTF-8). */
  secret: string | Uint8Array
}

/**
 * What one payment buys: `calls` calls within `days` days. A call is one request on a route that
 * costs 1; a route may cost more (`paywall({ ..., prepaid: { cost: 5 } })` takes 5 calls per
 * request) and may take only some packages (`prepaid: { packages: ['pro'] }`), so a credential
 * bought cheaply for light routes cannot be spent on expensive ones.
 */
export interface PrepaidPackage {
  id: string
  calls: number
  days: number
  /** Priced like a paywall: one option or several (networks, tokens), offered in order. */
  price: AcceptOption | AcceptOption[]
  description?: string
}

export interface PrepaidOptions {
  /** One signing secret (key id 'default'). Give `keys` instead to rotate. */
  secret?: string | Uint8Array
  /** Keys by id: the first signs new credentials, all of them verify. */
  keys?: CredentialKey[]
  packages: PrepaidPackage[]
  /** Where the prepaid routes (packages list, purchase) are mounted; challenges point buyers there. Default '/prepaid'. */
  path?: string
  /** Request header carrying the credential. Default 'X-Prepaid-Credential'. */
  header?: string
  /** Credential audience; default `tollgate:<payTo>`, so another seller's credentials never pass here. */
  audience?: string
}

export const DEFAULT_PREPAID_HEADER = 'X-Prepaid-Credential'
export const REMAINING_HEADER = 'X-Prepaid-Remaining'
