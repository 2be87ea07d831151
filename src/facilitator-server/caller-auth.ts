import { sha256, stringToBytes, toHex } from 'viem'

/** Who is calling: an id for rate limits and logs (never the token itself), or null to refuse. */
export type Authorize = (request: Request) => string | null | Promise<string | null>

/**
 * Bearer tokens checked in constant time: both sides are hashed to 32 bytes first, so neither a
 * token's length nor its contents shape the comparison's timing, and every token is compared.
 * The caller id is a prefix of the token's hash.
 */
export function bearerTokens(tokens: readonly string[]): Authorize {
  const digests = tokens.map((token) => sha256(stringToBytes(token), 'bytes'))
  return (request) => {
    const header = request.headers.get('authorization') ?? ''
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header)
    const presented = sha256(stringToBytes(match?.[1] ?? ''), 'bytes')
    let found = -1
    digests.forEach((digest, index) => {
      if (equalBytes(digest, presented) && match) found = index
    })
    return found >= 0 ? `token:${toHex(digests[found] as Uint8Array).slice(2, 18)}` : null
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] ?? 0)
  return difference === 0
}
