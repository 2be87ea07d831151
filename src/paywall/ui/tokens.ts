import type { PageData, Requirement, TokenDisplay } from './types.js'

/** The units of a requirement's token, when the seller's page data knows them. */
export function tokenOf(data: PageData, requirement: Pick<Requirement, 'network' | 'asset'>): TokenDisplay | undefined {
  return data.tokens[`${requirement.network}|${requirement.asset.toLowerCase()}`]
}
