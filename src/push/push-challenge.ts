/**
 * One `x402` challenge for WWW-Authenticate, in the Ag402 form: space-separated quoted parameters,
 * e.g. `x402 chain="base" token="USDC" amount="0.10" address="0x…"`. Several challenges (one per
 * network a route takes pushed payments on) are joined with ", ".
 */
export function pushChallenge(params: Record<string, string>): string {
  return `x402 ${Object.entries(params)
    .map(([key, value]) => `${key}="${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`)
    .join(' ')}`
}

/** Adds a route's push challenges to a 402's headers; the x402 headers and body stay as they are. */
export function withPushChallenges(headers: Record<string, string>, challenges: readonly string[]): Record<string, string> {
  if (challenges.length === 0) return headers
  const expose = headers['access-control-expose-headers']
  return {
    ...headers,
    'www-authenticate': challenges.join(', '),
    'access-control-expose-headers': expose ? `${expose}, WWW-Authenticate` : 'WWW-Authenticate',
  }
}
