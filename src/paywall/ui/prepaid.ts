/**
 * Prepaid packages in the page: the route's 402 names where packages are listed and bought
 * (`extensions.prepaid`); a bought credential is kept in localStorage for this purchase endpoint,
 * so later visits spend it instead of paying again.
 */
import type { PrepaidOffer } from './types.js'

export interface PackagePrice {
  network: string
  amount: string
  asset: string
}

export interface PackageListing {
  id: string
  description?: string
  calls: number
  days: number
  price: PackagePrice[]
  purchase: { method: string; url: string }
}

export interface StoredCredential {
  credential: string
  credentialId: string
  package: string
  calls: number
  expiresAt: string
}

/** Credentials are per purchase endpoint (the seller), not per page: every route of the seller takes them. */
function storageKey(offer: PrepaidOffer): string {
  const url = new URL(offer.purchase, location.href)
  return `tollgate.prepaid|${url.origin}${url.pathname}`
}

export function loadCredential(offer: PrepaidOffer): StoredCredential | undefined {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey(offer)) ?? 'null') as StoredCredential | null
    if (!saved || typeof saved.credential !== 'string' || typeof saved.package !== 'string') return undefined
    if (Date.parse(saved.expiresAt) <= Date.now()) {
      forgetCredential(offer)
      return undefined
    }
    return saved
  } catch {
    return undefined // storage disabled or a foreign value: as if none were kept
  }
}

export function saveCredential(offer: PrepaidOffer, credential: StoredCredential): void {
  try {
    localStorage.setItem(storageKey(offer), JSON.stringify(credential))
  } catch {
    // Storage disabled: the credential still serves this visit.
  }
}

export function forgetCredential(offer: PrepaidOffer): void {
  try {
    localStorage.removeItem(storageKey(offer))
  } catch {
    // nothing kept, nothing to forget
  }
}

/** Whether this route takes a credential of this package (and it has calls for the route's cost). */
export function accepted(offer: PrepaidOffer, pkg: { id: string; calls?: number }): boolean {
  if (offer.acceptedPackages && !offer.acceptedPackages.includes(pkg.id)) return false
  return pkg.calls === undefined || pkg.calls >= (offer.cost ?? 1)
}

export async function listPackages(offer: PrepaidOffer): Promise<PackageListing[]> {
  const response = await fetch(offer.packages, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
  if (!response.ok) return []
  const body = (await response.json()) as { packages?: PackageListing[] }
  return Array.isArray(body.packages) ? body.packages.filter((pkg) => typeof pkg?.id === 'string' && accepted(offer, pkg)) : []
}

/** Errors after which a kept credential is of no more use. */
export const SPENT_CREDENTIAL = ['prepaid_exhausted', 'prepaid_expired', 'prepaid_revoked', 'prepaid_malformed', 'prepaid_algorithm_not_allowed', 'prepaid_unknown_key', 'prepaid_invalid_signature', 'prepaid_wrong_audience']
