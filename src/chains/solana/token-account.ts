import { getAddressEncoder, getProgramDerivedAddress, type Address } from '@solana/kit'

export const ASSOCIATED_TOKEN_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL' as Address

const encoder = getAddressEncoder()
const cache = new Map<string, Promise<Address>>()

/** The associated token account of `owner` for `mint` under `tokenProgram`: where the official client sends payments. */
export function associatedTokenAddress(owner: Address, mint: Address, tokenProgram: Address): Promise<Address> {
  const key = `${owner}:${mint}:${tokenProgram}`
  let found = cache.get(key)
  if (!found) {
    found = getProgramDerivedAddress({ programAddress: ASSOCIATED_TOKEN_PROGRAM, seeds: [encoder.encode(owner), encoder.encode(tokenProgram), encoder.encode(mint)] }).then(([address]) => address)
    if (cache.size > 1024) cache.clear()
    cache.set(key, found)
  }
  return found
}
