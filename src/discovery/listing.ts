import { z } from 'zod'
import type { RequirementV2 } from '../protocol/wire-types.js'

/**
 * The machine-readable listing of what a tollgate sells, in the shape of the x402 bazaar's
 * `GET /discovery/resources` answer (`{ x402Version, items, pagination }`), so an agent that already
 * reads a facilitator's catalogue reads a seller's own listing with the same code. Accepted options
 * whose amount or payee is computed per request leave that field out and name it in `dynamic`:
 * the 402 of the request itself states the price.
 */
const atomic = z.string().regex(/^\d+$/)
const acceptSchema = z.looseObject({
  scheme: z.string(),
  network: z.string(),
  asset: z.string(),
  amount: atomic.optional(),
  payTo: z.string().optional(),
  maxTimeoutSeconds: z.number().int().positive(),
  extra: z.record(z.string(), z.unknown()).optional(),
  dynamic: z.array(z.enum(['amount', 'payTo'])).optional(),
})

export const discoveryItemSchema = z.object({
  resource: z.url(),
  type: z.literal('http'),
  x402Version: z.literal(2),
  accepts: z.array(acceptSchema).min(1),
  lastUpdated: z.iso.datetime(),
  description: z.string(),
  mimeType: z.string(),
  extensions: z.record(z.string(), z.unknown()).optional(),
})

export const discoveryListingSchema = z.object({
  x402Version: z.literal(2),
  items: z.array(discoveryItemSchema),
  pagination: z.object({ limit: z.number().int().nonnegative(), offset: z.literal(0), total: z.number().int().nonnegative() }),
})

export type DiscoveryItem = z.infer<typeof discoveryItemSchema>
export type DiscoveryListing = z.infer<typeof discoveryListingSchema>

/** One accepted option as listed: its v2 requirement without the fields computed per request. */
export function listedAccept(requirement: RequirementV2, dynamic: { amount?: unknown; payTo?: unknown } | undefined): DiscoveryItem['accepts'][number] {
  if (!dynamic) return { ...requirement }
  const { amount, payTo, ...rest } = requirement
  const computed = [...(dynamic.amount ? (['amount'] as const) : []), ...(dynamic.payTo ? (['payTo'] as const) : [])]
  return { ...rest, ...(dynamic.amount ? {} : { amount }), ...(dynamic.payTo ? {} : { payTo }), dynamic: computed }
}

export function listingDocument(items: DiscoveryItem[]): DiscoveryListing {
  return { x402Version: 2, items, pagination: { limit: items.length, offset: 0, total: items.length } }
}
